import { describe, expect, it } from 'vitest';
import type { LineStatus } from './bindings';
import { describeLine } from './sip-line';

const ADDRESS = 'sip:desktop-4f2a@acme.sip.twilio.com';
const line = (fields: Partial<LineStatus>): LineStatus => ({ state: 'off', address: null, reason: null, next_in: null, ...fields });

describe('describeLine', () => {
  it('says nothing while the SIP engine is not in use', () => {
    expect(describeLine(line({}))).toBeNull();
  });

  it('says why a line that could not start is off', () => {
    expect(describeLine(line({ reason: 'no network' }))).toMatchObject({ text: 'SIP line: off — no network', tone: 'warn', title: null });
  });

  it('says when it connects and when calls ring here, with the address as the tooltip', () => {
    expect(describeLine(line({ state: 'registering', address: ADDRESS }))).toEqual({ text: 'SIP line: connecting…', spoken: 'SIP line: connecting…', tone: 'busy', title: ADDRESS });
    expect(describeLine(line({ state: 'registered', address: ADDRESS }))).toEqual({ text: 'SIP line: registered', spoken: 'SIP line: registered', tone: 'ok', title: ADDRESS });
  });

  it('counts down to the next attempt, and reads the reason without the countdown', () => {
    const retrying = line({ state: 'retrying', address: ADDRESS, reason: 'the registrar did not answer', next_in: 30 });
    expect(describeLine(retrying)).toMatchObject({ text: 'SIP line: retrying in 30 s — the registrar did not answer', tone: 'warn' });
    expect(describeLine(retrying, 12.4)!.text).toBe('SIP line: retrying in 18 s — the registrar did not answer');
    expect(describeLine(retrying, 30)!.text).toBe('SIP line: retrying now — the registrar did not answer');
    expect(describeLine(retrying, 99)!.text, 'never a negative count').toBe('SIP line: retrying now — the registrar did not answer');
    expect(describeLine(retrying, 12)!.spoken).toBe('SIP line: retrying — the registrar did not answer');
    expect(describeLine(line({ state: 'retrying' }))!.text).toBe('SIP line: retrying');
  });

  it('says the registrar refused, and why', () => {
    expect(describeLine(line({ state: 'refused', address: ADDRESS, reason: 'wrong password: deploy call routing again' }))).toMatchObject({
      text: 'SIP line: refused — wrong password: deploy call routing again',
      tone: 'error',
    });
  });
});
