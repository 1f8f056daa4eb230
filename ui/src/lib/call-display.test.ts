import { describe, expect, it } from 'vitest';
import { canHold, clock, phaseLabel, qualityText, recordingLabel } from './call-display';
import { engineLabel, phaseHint } from './call-screen';
import { callView } from '../../test/fixtures';

const NOW = 1_795_000_000_000;
const word = (overrides: Parameters<typeof callView>[0], extra: { answering?: boolean; endReason?: string | null } = {}) => ({
  view: callView(overrides),
  answering: extra.answering ?? false,
  endReason: extra.endReason ?? null,
});

describe('phaseLabel', () => {
  it('says where an outbound call stands', () => {
    expect(phaseLabel(word({ phase: 'placing' }), NOW)).toBe('Connecting…');
    expect(phaseLabel(word({ phase: 'calling_you' }), NOW)).toBe('Ringing your phone…');
    expect(phaseLabel(word({ phase: 'ringing' }), NOW)).toBe('Ringing…');
  });

  it('counts from the answer, and says when the other party is on hold', () => {
    expect(phaseLabel(word({ phase: 'in_progress', answered_at: NOW - 83_400 }), NOW)).toBe('1:23');
    expect(phaseLabel(word({ phase: 'in_progress', answered_at: NOW - 3_725_000 }), NOW)).toBe('1:02:05');
    expect(phaseLabel(word({ phase: 'in_progress', answered_at: NOW, on_hold: true }), NOW)).toBe('On hold');
  });

  it('words incoming calls before and while they are answered', () => {
    expect(phaseLabel(word({ direction: 'inbound', phase: 'ringing' }), NOW)).toBe('Incoming call');
    expect(phaseLabel(word({ direction: 'inbound', phase: 'ringing' }, { answering: true }), NOW)).toBe('Connecting…');
  });

  it('says how it ended', () => {
    expect(phaseLabel(word({ phase: 'ended', end_reason: 'Busy.' }, { endReason: 'Busy.' }), NOW)).toBe('Ended: Busy.');
  });
});

describe('the rest of the in-call wording', () => {
  it('tells the bridge user to answer their phone', () => {
    expect(phaseHint(callView({ phase: 'calling_you' }))).toMatch(/^Answer your phone/);
    expect(phaseHint(callView({ phase: 'in_progress' }))).toBeNull();
  });

  it('holds only connected outbound calls', () => {
    expect(canHold(callView({ phase: 'in_progress' }))).toBe(true);
    expect(canHold(callView({ phase: 'ringing' }))).toBe(false);
    expect(canHold(callView({ phase: 'in_progress', direction: 'inbound' }))).toBe(false);
  });

  it('names engines, recording and quality warnings in plain words', () => {
    expect(engineLabel('bridge')).toBe('Through your phone');
    expect(engineLabel('webview')).toBe('In the app');
    expect(recordingLabel('on')).toBe('REC');
    expect(recordingLabel('paused')).toBe('REC paused');
    expect(recordingLabel('off')).toBeNull();
    expect(qualityText('low-mos')).toBe('Poor call quality.');
    expect(qualityText('high-jitter')).toMatch(/Choppy/);
    expect(qualityText('brand-new-warning')).toBe('Call quality warning (brand-new-warning).');
    expect(clock(59_999)).toBe('0:59');
  });
});
