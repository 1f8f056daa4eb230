import assert from 'node:assert/strict';
import { test } from 'node:test';

import { baseConfig, configContext, expected, fakeRuntime, run } from './support.mjs';

const voicemailRedirect = expected((r) => r.redirect({ method: 'POST' }, '/inbound-status'));

test('rings every desktop identity with the configured timeout', () => {
  const config = baseConfig({ identities: ['alice-AC0123', 'alice-laptop-AC0123'], ring: 20 });
  const twiml = run('inbound', configContext(config), { From: '+14155550199', To: '+14155550123' });
  assert.equal(twiml, expected((r) => {
    const dial = r.dial({ answerOnBridge: true, timeout: 20, action: '/inbound-status', method: 'POST' });
    dial.client('alice-AC0123');
    dial.client('alice-laptop-AC0123');
  }));
});

test('rings forwarding numbers in parallel after the clients', () => {
  const config = baseConfig({ forward: ['+14155550100', '+442071838750'] });
  assert.equal(run('inbound', configContext(config)), expected((r) => {
    const dial = r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' });
    dial.client('alice-AC0123');
    dial.number('+14155550100');
    dial.number('+442071838750');
  }));
});

test('forwarding numbers alone are enough to dial', () => {
  const config = baseConfig({ identities: [], forward: ['+14155550100'] });
  assert.equal(run('inbound', configContext(config)), expected((r) => {
    r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' })
      .number('+14155550100');
  }));
});

test('the ring timeout is clamped and defaults to 25 seconds', () => {
  const dialTimeout = (ring) => {
    const config = baseConfig({ ring });
    if (ring === undefined) delete config.ring;
    return run('inbound', configContext(config)).match(/timeout="(\d+)"/)[1];
  };
  assert.equal(dialTimeout(undefined), '25');
  assert.equal(dialTimeout(2), '5');
  assert.equal(dialTimeout(600), '60');
});

test('with nobody to ring the call goes straight to voicemail', () => {
  const config = baseConfig({ identities: [], forward: [] });
  assert.equal(run('inbound', configContext(config)), voicemailRedirect);
});

test('a missing or corrupt config still reaches voicemail', (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  assert.equal(run('inbound', {}), voicemailRedirect);
  assert.equal(run('inbound', { SWITCHBOARD_CONFIG_0: '{"v":1,"identities":["ali' }), voicemailRedirect);
  assert.equal(warn.mock.callCount(), 2, 'each unusable config is logged for the Twilio console');
  assert.match(warn.mock.calls[1].arguments[0], /not valid JSON/);
});

test('a config split over many chunks is read whole', () => {
  const identities = Array.from({ length: 30 }, (_, i) => `user${i}-AC0123456789abcdef`);
  const context = configContext(baseConfig({ identities }), 400);
  assert.ok(Object.keys(context).length >= 3);
  assert.equal(run('inbound', context), expected((r) => {
    const dial = r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' });
    for (const identity of identities) dial.client(identity);
  }));
});

test('client identities are escaped in the TwiML', () => {
  const config = baseConfig({ identities: ['a&b<c>"d"'] });
  const twiml = run('inbound', configContext(config));
  assert.ok(twiml.includes('<Client>a&amp;b&lt;c&gt;"d"</Client>'), twiml);
});

test('without Runtime the schedule module is required from the same folder', (t) => {
  t.after(() => { globalThis.Runtime = fakeRuntime; });
  delete globalThis.Runtime;
  const config = baseConfig({ identities: [], forward: [] });
  assert.equal(run('inbound', configContext(config)), voicemailRedirect);
});

test('rings registered SIP desktops beside the clients, before forwarding numbers', () => {
  const config = baseConfig({
    sip: ['sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com'],
    forward: ['+14155550100'],
  });
  assert.equal(run('inbound', configContext(config)), expected((r) => {
    const dial = r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' });
    dial.client('alice-AC0123');
    dial.sip('sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com');
    dial.number('+14155550100');
  }));
});

test('the SIP desktop is told the caller\'s call and the number called in INVITE headers', () => {
  const config = baseConfig({ identities: [], sip: ['sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com'] });
  const event = { CallSid: 'CA0123456789abcdef0123456789abcdef', To: '+14155550123', From: '+442071838750' };
  assert.equal(run('inbound', configContext(config), event), expected((r) => {
    r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' })
      .sip('sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com?X-Switchboard-Call=CA0123456789abcdef0123456789abcdef&X-Switchboard-Called=+14155550123');
  }));
  // Values that are not a call SID or a number are left out rather than passed on.
  const odd = { CallSid: 'CA<script>', To: 'client:alice' };
  assert.equal(run('inbound', configContext(config), odd), expected((r) => {
    r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' })
      .sip('sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com');
  }));
});

test('a SIP desktop alone is enough to dial; an address that is not a Twilio SIP user is dropped', () => {
  const config = baseConfig({
    identities: [],
    sip: ['sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com', 'sip:evil@example.com', 'tel:+1'],
  });
  assert.equal(run('inbound', configContext(config)), expected((r) => {
    r.dial({ answerOnBridge: true, timeout: 25, action: '/inbound-status', method: 'POST' })
      .sip('sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com');
  }));
});
