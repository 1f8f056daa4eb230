import { describe, expect, it } from 'vitest';
import type { OwnedNumber } from './bindings';
import { capabilities, priceLabel, releaseConfirmed, routingLabel, routingSummary } from './numbers';

const NUMBER: OwnedNumber = {
  sid: 'PN0123456789abcdef0123456789abcdef',
  phone_number: '+14158675309',
  display: '+1 415-867-5309',
  friendly_name: 'Support',
  voice: true,
  sms: true,
  mms: false,
  routing: { kind: 'switchboard' },
  voice_url: null,
};

describe('routingLabel', () => {
  it('names each way calls are handled', () => {
    expect(routingLabel({ kind: 'switchboard' })).toEqual({ text: 'Switchboard', tone: 'ok' });
    expect(routingLabel({ kind: 'webhook', url: 'https://hooks.example.com/voice', method: 'POST' }).text).toBe(
      'Webhook · hooks.example.com',
    );
    expect(routingLabel({ kind: 'forward', to: '+14155550100' }).text).toBe('Forwards to +14155550100');
    expect(routingLabel({ kind: 'none' })).toEqual({ text: 'Not set up', tone: 'warn' });
  });
});

describe('priceLabel', () => {
  it('shows two decimals and the currency', () => {
    expect(priceLabel('1.15', 'usd')).toBe('1.15 USD a month');
    expect(priceLabel('2', 'EUR')).toBe('2.00 EUR a month');
    expect(priceLabel(null, null)).toBe('price shown in the Twilio Console');
  });
});

describe('releaseConfirmed', () => {
  it('accepts the number however it is punctuated, and nothing else', () => {
    expect(releaseConfirmed('+14158675309', NUMBER)).toBe(true);
    expect(releaseConfirmed('+1 (415) 867-5309', NUMBER)).toBe(true);
    expect(releaseConfirmed('14158675309', NUMBER)).toBe(true);
    expect(releaseConfirmed('+1415867530', NUMBER)).toBe(false);
    expect(releaseConfirmed('', NUMBER)).toBe(false);
    expect(releaseConfirmed('yes', NUMBER)).toBe(false);
  });
});

describe('routingSummary and capabilities', () => {
  it('describes the deployment', () => {
    expect(routingSummary(null)).toMatch(/^Not deployed/);
    const status = { service_sid: 'ZS1', domain: 'd', inbound_url: 'u', application_sid: null, build_sid: null, code_current: false };
    expect(routingSummary(status)).toMatch(/redeploy/);
    expect(routingSummary({ ...status, code_current: true })).toMatch(/^Deployed: calls ring/);
    expect(capabilities(NUMBER)).toBe('Voice · SMS');
    expect(capabilities({ voice: false, sms: false, mms: false })).toBe('—');
  });
});
