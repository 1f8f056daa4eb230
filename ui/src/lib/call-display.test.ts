import { describe, expect, it } from 'vitest';
import { canAnswer, canHold, clock, holdNote, phaseLabel, qualityText, recordingLabel } from './call-display';
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

  it('holds connected outbound calls, and incoming calls only on the SIP line', () => {
    expect(canHold(callView({ phase: 'in_progress' }))).toBe(true);
    expect(canHold(callView({ phase: 'in_progress', engine: 'sip' }))).toBe(true);
    expect(canHold(callView({ phase: 'ringing' }))).toBe(false);
    // The core refuses hold on an incoming call the window's SDK carries; the SIP line holds by re-INVITE.
    expect(canHold(callView({ phase: 'in_progress', direction: 'inbound', engine: 'webview' }))).toBe(false);
    expect(canHold(callView({ phase: 'in_progress', direction: 'inbound', engine: 'sip' }))).toBe(true);
    expect(canHold(callView({ phase: 'ringing', direction: 'inbound', engine: 'sip' })), 'not before it is answered').toBe(false);
  });

  it('explains a missing Hold only where it will never come', () => {
    expect(holdNote(callView({ phase: 'in_progress', direction: 'inbound', engine: 'webview' }))).toBe('Hold works on calls placed from Switchboard');
    expect(holdNote(callView({ phase: 'ringing', direction: 'inbound', engine: 'sip' }))).toBeNull();
    expect(holdNote(callView({ phase: 'placing' }))).toBeNull();
  });

  it('answers ringing incoming calls the SDK has, or that ring the SIP line', () => {
    const ringing = (engine: 'webview' | 'sip', local: boolean) => ({ view: callView({ engine, direction: 'inbound', phase: 'ringing' }), local });
    expect(canAnswer(ringing('webview', true))).toBe(true);
    expect(canAnswer(ringing('webview', false)), 'the window cannot answer what its SDK does not have').toBe(false);
    expect(canAnswer(ringing('sip', false)), 'the core answers the SIP line').toBe(true);
    expect(canAnswer({ view: callView({ engine: 'sip', direction: 'inbound', phase: 'in_progress' }), local: false })).toBe(false);
    expect(canAnswer({ view: callView({ engine: 'sip', phase: 'ringing' }), local: false }), 'an outbound call is not answered here').toBe(false);
  });

  it('names engines, recording and quality warnings in plain words', () => {
    expect(engineLabel('bridge')).toBe('Through your phone');
    expect(engineLabel('webview')).toBe('In the app');
    expect(engineLabel('sip')).toBe('In the app (SIP)');
    expect(recordingLabel('on')).toBe('REC');
    expect(recordingLabel('paused')).toBe('REC paused');
    expect(recordingLabel('off')).toBeNull();
    expect(qualityText('low-mos')).toBe('Poor call quality.');
    expect(qualityText('high-jitter')).toMatch(/Choppy/);
    expect(qualityText('brand-new-warning')).toBe('Call quality warning (brand-new-warning).');
    expect(clock(59_999)).toBe('0:59');
  });
});
