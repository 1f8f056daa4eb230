import { describe, expect, it } from 'vitest';
import type { RetentionPreview } from './bindings';
import { formFrom, policyFrom, previewLines, progress } from './retention';

const off = { recordings_days: null, only_archived: true, audio_budget_bytes: null, call_log_days: null };

describe('retention form', () => {
  it('round-trips a policy through the form', () => {
    const policy = { recordings_days: 30, only_archived: false, audio_budget_bytes: 250_000_000, call_log_days: 400 };
    expect(policyFrom(formFrom(policy))).toEqual({ policy });
    expect(policyFrom(formFrom(off))).toEqual({ policy: off });
  });

  it('refuses days out of range and negative sizes, saying which rule', () => {
    const form = formFrom(off);
    expect(policyFrom({ ...form, recordingsOn: true, recordingsDays: 0 })).toEqual({
      error: 'Recordings: enter a whole number of days from 1 to 36500.',
    });
    expect(policyFrom({ ...form, callsOn: true, callsDays: 2.5 })).toHaveProperty('error');
    expect(policyFrom({ ...form, audioOn: true, audioMb: -1 })).toHaveProperty('error');
    expect(policyFrom({ ...form, callsOn: false, callsDays: 0 })).toEqual({ policy: off });
  });
});

describe('retention preview', () => {
  const preview: RetentionPreview = {
    as_of: 1_800_000_000,
    policy: { policy: off, updated_at: 1, confirmed_at: null },
    recordings_before: 1_790_000_000,
    recordings: [],
    recordings_total: 1200,
    voicemails_total: 1000,
    transcriptions_total: 1000,
    kept_unarchived: 3,
    audio: [],
    audio_files_total: 0,
    audio_bytes_total: 0,
    audio_bytes_cached: 5_000_000,
    calls_total: 1,
    calls_before: 1_780_000_000,
  };

  it('says what goes, from where, and what is kept', () => {
    expect(previewLines(preview)).toEqual([
      'From Twilio: 1,200 recordings made before 2026-09-21 (1,000 voicemails), with 1,000 transcriptions.',
      'Kept: 3 older recordings without a verified copy in S3.',
      'From the local call log: 1 call made before 2026-05-28 (Twilio keeps them).',
    ]);
    expect(previewLines({ ...preview, recordings_total: 0, kept_unarchived: 0, calls_total: 0 })).toEqual([]);
  });

  it('measures progress over what the run queued', () => {
    const run = { id: 1, started_at: 0, as_of: 0, recordings: 3, transcriptions: 1, audio_files: 0, audio_bytes: 0, calls: 0, done: 1, waiting: 3, last_error: null };
    expect(progress(run)).toBe(0.25);
    expect(progress({ ...run, done: 0, waiting: 0 })).toBeNull();
    expect(progress(null)).toBeNull();
  });
});
