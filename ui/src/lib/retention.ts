/** The retention card's form and the words it shows, kept apart from the card to be tested. */
import type { RetentionPolicy, RetentionPreview, RetentionRun } from './bindings';

/** The form: each rule on or off, with its number. */
export interface RetentionForm {
  recordingsOn: boolean;
  recordingsDays: number;
  onlyArchived: boolean;
  audioOn: boolean;
  audioMb: number;
  callsOn: boolean;
  callsDays: number;
}

export const MAX_DAYS = 36500;

export function formFrom(policy: RetentionPolicy): RetentionForm {
  return {
    recordingsOn: policy.recordings_days !== null,
    recordingsDays: policy.recordings_days ?? 90,
    onlyArchived: policy.only_archived,
    audioOn: policy.audio_budget_bytes !== null,
    audioMb: policy.audio_budget_bytes === null ? 500 : Math.round(policy.audio_budget_bytes / 1e6),
    callsOn: policy.call_log_days !== null,
    callsDays: policy.call_log_days ?? 365,
  };
}

/** The policy the form describes, or why it cannot be saved. */
export function policyFrom(form: RetentionForm): { policy: RetentionPolicy } | { error: string } {
  const days = (on: boolean, value: number, what: string): number | null | string => {
    if (!on) return null;
    if (!Number.isInteger(value) || value < 1 || value > MAX_DAYS) return `${what}: enter a whole number of days from 1 to ${MAX_DAYS}.`;
    return value;
  };
  const recordings = days(form.recordingsOn, form.recordingsDays, 'Recordings');
  if (typeof recordings === 'string') return { error: recordings };
  const calls = days(form.callsOn, form.callsDays, 'Call log');
  if (typeof calls === 'string') return { error: calls };
  let budget: number | null = null;
  if (form.audioOn) {
    if (!Number.isFinite(form.audioMb) || form.audioMb < 0) return { error: 'Audio cache: enter a size in MB, 0 or more.' };
    budget = Math.round(form.audioMb * 1e6);
  }
  return {
    policy: { recordings_days: recordings, only_archived: form.onlyArchived, audio_budget_bytes: budget, call_log_days: calls },
  };
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
}

export function day(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** One line per kind of deletion a preview lists; empty when it deletes nothing. */
export function previewLines(p: RetentionPreview): string[] {
  const lines: string[] = [];
  if (p.recordings_before !== null && p.recordings_total > 0) {
    lines.push(
      `From Twilio: ${count(p.recordings_total, 'recording')} made before ${day(p.recordings_before)} ` +
        `(${count(p.voicemails_total, 'voicemail')}), with ${count(p.transcriptions_total, 'transcription')}.`,
    );
  }
  if (p.kept_unarchived > 0) lines.push(`Kept: ${count(p.kept_unarchived, 'older recording')} without a verified copy in S3.`);
  if (p.audio_files_total > 0) {
    lines.push(
      `From this computer: ${count(p.audio_files_total, 'cached audio file')}, ${megabytes(p.audio_bytes_total)} of ${megabytes(p.audio_bytes_cached)}.`,
    );
  }
  if (p.calls_before !== null && p.calls_total > 0) {
    lines.push(`From the local call log: ${count(p.calls_total, 'call')} made before ${day(p.calls_before)} (Twilio keeps them).`);
  }
  return lines;
}

/** How far a run's deletions on Twilio are, 0 to 1; null when it queued none. */
export function progress(run: RetentionRun | null): number | null {
  if (!run) return null;
  const total = run.done + run.waiting;
  return total === 0 ? null : run.done / total;
}
