import { describe, expect, it } from 'vitest';
import { firstLine, transcriptState } from './voicemail';

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
