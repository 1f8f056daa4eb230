import { describe, expect, it } from 'vitest';
import { archivedText, calledLabel, callerLabel, firstLine, listedAt, nextSelection, transcriptState } from './voicemail';

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

describe('caller and called', () => {
  it('names the caller as Rust formatted the number, else as stored, else as unknown', () => {
    expect(callerLabel({ caller: '+14155550101', caller_display: '(415) 555-0101' })).toBe('(415) 555-0101');
    expect(callerLabel({ caller: 'client:ada', caller_display: null })).toBe('client:ada');
    expect(callerLabel({ caller: null, caller_display: null })).toBe('Unknown caller');
    expect(callerLabel({ caller: null, caller_display: null }, 'an unknown caller')).toBe('an unknown caller');
  });

  it('shows a North American called number nationally and any other as stored', () => {
    expect(calledLabel('+14158675309')).toBe('(415) 867-5309');
    expect(calledLabel('+442071838750')).toBe('+442071838750');
    expect(calledLabel('+11234567890')).toBe('+11234567890');
    expect(calledLabel('client:ada')).toBe('client:ada');
  });
});

describe('selection after a change', () => {
  const before = ['RE1', 'RE2', 'RE3', 'RE4'];

  it('keeps a voicemail still listed', () => {
    expect(nextSelection(before, ['RE1', 'RE3', 'RE4'], 'RE3')).toBe('RE3');
  });

  it('moves to the one that took its place, or the one before when it was last', () => {
    expect(nextSelection(before, ['RE1', 'RE3', 'RE4'], 'RE2')).toBe('RE3');
    expect(nextSelection(before, ['RE1', 'RE2', 'RE3'], 'RE4')).toBe('RE3');
    expect(nextSelection(before, ['RE1', 'RE4'], 'RE2'), 'skips neighbours that went too').toBe('RE4');
    expect(nextSelection(before, ['RE1'], 'RE3')).toBe('RE1');
    expect(nextSelection(before, ['RE9', 'RE1', 'RE3', 'RE4'], 'RE2'), 'a new message at the top changes nothing').toBe('RE3');
  });

  it('falls back to the first, or none', () => {
    expect(nextSelection([], ['RE3', 'RE4'], 'RE1')).toBe('RE3');
    expect(nextSelection(before, ['RE7'], null)).toBe('RE7');
    expect(nextSelection(before, ['RE7'], 'RE5')).toBe('RE7');
    expect(nextSelection(['RE1'], [], 'RE1')).toBeNull();
  });
});
