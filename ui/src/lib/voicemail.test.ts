import { describe, expect, it } from 'vitest';
import { archivedText, firstLine, listedAt, transcriptState } from './voicemail';

describe('voicemail wording', () => {
  it('shows the transcript, or says why there is none', () => {
    expect(firstLine({ transcript: 'Call me back about the invoice', transcription_status: 'completed' })).toBe('Call me back about the invoice');
    expect(firstLine({ transcript: 'x'.repeat(120), transcription_status: 'completed' })).toHaveLength(90);
    expect(firstLine({ transcript: null, transcription_status: 'in-progress' })).toBe('Transcript pending…');
    expect(firstLine({ transcript: null, transcription_status: 'failed' })).toBe('Transcription failed');
    expect(firstLine({ transcript: null, transcription_status: null })).toBe('No transcript');
    expect(transcriptState({ transcript: null, transcription_status: 'in-progress' })).toMatch(/^Transcript pending/);
    expect(transcriptState({ transcript: '', transcription_status: 'completed' })).toMatch(/empty/);
  });
});

describe('archive notice', () => {
  const key = 'voicemail/AC0123456789abcdef0123456789abcdef/RE1.mp3';

  it('names the S3 key when there is an S3 copy, and says only "Archived." when there is none', () => {
    expect(archivedText({ key, delete_queued: false })).toBe(`Archived to S3 as ${key}`);
    expect(archivedText({ key: null, delete_queued: false })).toBe('Archived.');
  });

  it('says when the Twilio copy goes, because that cannot be undone there', () => {
    expect(archivedText({ key, delete_queued: true })).toMatch(/^Archived to S3 as voicemail\/AC.+\/RE1\.mp3; .*Twilio’s will be deleted\.$/);
  });
});

describe('list dates', () => {
  const noon = new Date(2026, 10, 18, 12, 0).getTime();
  const at = (...parts: [number, number, number, number, number]) => new Date(...parts).getTime() / 1000;

  it('shows the time for today, the day this year, and the year before that', () => {
    expect(listedAt(at(2026, 10, 18, 9, 5), noon)).toBe('09:05');
    expect(listedAt(at(2026, 10, 17, 23, 59), noon)).toBe('Nov 17');
    expect(listedAt(at(2025, 11, 31, 8, 0), noon)).toBe('Dec 31, 2025');
  });
});
