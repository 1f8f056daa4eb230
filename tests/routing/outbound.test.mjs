import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { baseConfig, configContext, expected, run } from './support.mjs';

const context = configContext(baseConfig({
  identities: ['alice-AC0123', 'bob-AC0123'],
  callerIds: ['+14155550123', '+14155550124'],
}));

function dialed(callerId, to) {
  return expected((r) => r.dial({ callerId, answerOnBridge: true }).number(to));
}

function refused(reason) {
  return expected((r) => {
    r.say(reason);
    r.hangup();
  });
}

const BAD_NUMBER = 'The number you dialed is not valid. Dial it with a plus sign and the country code.';
const UNKNOWN_DEVICE = 'This device is not allowed to place calls.';
const NOT_OWNED = 'The caller ID you chose is not one of your numbers.';

describe('allowed calls', () => {
  test('dials To with the chosen caller ID', () => {
    const event = { From: 'client:bob-AC0123', To: '+442071838750', CallerId: '+14155550124' };
    assert.equal(run('outbound', context, event), dialed('+14155550124', '+442071838750'));
  });

  test('without CallerId the first owned number is used', () => {
    for (const CallerId of [undefined, '']) {
      const event = { From: 'client:alice-AC0123', To: '+14155550100', CallerId };
      assert.equal(run('outbound', context, event), dialed('+14155550123', '+14155550100'));
    }
  });
});

describe('calls placed by the app join their conference', () => {
  const room = 'sb-0123456789abcdef0123456789ABCDEF';

  test('Room joins that conference, which the app dials the other party into', () => {
    const event = { From: 'client:alice-AC0123', Room: room, To: '+14155550100' };
    const twiml = run('outbound', context, event);
    assert.equal(twiml, expected((r) => {
      r.dial().conference({ beep: 'false', startConferenceOnEnter: true, endConferenceOnExit: true }, room);
    }));
    assert.ok(!twiml.includes('+14155550100'), 'the number is dialed by the app, not here');
    for (const attr of ['beep="false"', 'startConferenceOnEnter="true"', 'endConferenceOnExit="true"']) {
      assert.ok(twiml.includes(attr), `${attr} in ${twiml}`);
    }
  });

  for (const Room of ['', 'sb-123', 'room-0123456789abcdef0123456789abcdef', `${room}x`, '<Room/>', 42]) {
    test(`Room=${JSON.stringify(Room)} is not a name the app makes`, () => {
      const twiml = run('outbound', context, { From: 'client:alice-AC0123', Room });
      assert.equal(twiml, refused('This call could not be connected. Try again from the app.'));
      assert.ok(!twiml.includes('<Dial'));
    });
  }

  test('an unknown device may not join a room either', () => {
    const twiml = run('outbound', context, { From: 'client:mallory', Room: room });
    assert.equal(twiml, refused(UNKNOWN_DEVICE));
  });
});

describe('refused calls never dial', () => {
  for (const To of [
    '4155550100', '+1 415 555 0100', '+1-415-555-0100', '(415) 555-0100', '+04155550100',
    '+123456', '+1234567890123456', '+1415555010x', '911', 'client:bob-AC0123', '', undefined,
  ]) {
    test(`To=${JSON.stringify(To)} is not E.164`, () => {
      const twiml = run('outbound', context, { From: 'client:alice-AC0123', To });
      assert.equal(twiml, refused(BAD_NUMBER));
      assert.ok(!twiml.includes('<Dial'));
    });
  }

  test('a caller ID the account does not own', () => {
    const event = { From: 'client:alice-AC0123', To: '+14155550100', CallerId: '+14155550999' };
    assert.equal(run('outbound', context, event), refused(NOT_OWNED));
  });

  test('no owned caller ID at all', () => {
    const none = configContext(baseConfig({ callerIds: [] }));
    const event = { From: 'client:alice-AC0123', To: '+14155550100' };
    assert.equal(run('outbound', none, event), refused('No caller ID is set up for outbound calls.'));
  });

  for (const From of ['client:mallory-AC0123', 'client:', 'alice-AC0123', '+14155550100', 'client:alice-AC0123 ', undefined]) {
    test(`From=${JSON.stringify(From)} is not a known desktop identity`, () => {
      const event = { From, To: '+14155550100', CallerId: '+14155550123' };
      assert.equal(run('outbound', context, event), refused(UNKNOWN_DEVICE));
    });
  }

  test('an unknown identity is refused before the number is looked at', () => {
    const event = { From: 'client:mallory', To: 'garbage', CallerId: '+10000000000' };
    assert.equal(run('outbound', context, event), refused(UNKNOWN_DEVICE));
  });

  test('a missing or corrupt config refuses', (t) => {
    const warn = t.mock.method(console, 'warn', () => {});
    const event = { From: 'client:alice-AC0123', To: '+14155550100' };
    const reason = 'Outbound calling is not set up for this account.';
    assert.equal(run('outbound', {}, event), refused(reason));
    assert.equal(run('outbound', { SWITCHBOARD_CONFIG: 'not json' }, event), refused(reason));
    assert.equal(warn.mock.callCount(), 2);
  });
});

describe('calls from a registered SIP desktop', () => {
  const desk = 'sip:default-desk@switchboard-0a1b2c3d4e.sip.twilio.com';
  const sipContext = configContext(baseConfig({
    identities: ['alice-AC0123'],
    sip: [desk],
    callerIds: ['+14155550123', '+14155550124'],
  }));

  test('sip:+E164@domain is dialed out with the caller ID from X-Caller-Id', () => {
    const event = {
      From: `${desk};tag=abc`,
      To: 'sip:+442071838750@switchboard-0a1b2c3d4e.sip.twilio.com;user=phone',
      'SipHeader_X-Caller-Id': '+14155550124',
    };
    assert.equal(run('outbound', sipContext, event), dialed('+14155550124', '+442071838750'));
  });

  test('without X-Caller-Id the first owned number is used', () => {
    const event = { From: desk, To: 'sip:+14155550100@switchboard-0a1b2c3d4e.sip.twilio.com' };
    assert.equal(run('outbound', sipContext, event), dialed('+14155550123', '+14155550100'));
  });

  test('a caller ID the account does not own is refused', () => {
    const event = { From: desk, To: 'sip:+14155550100@x.sip.twilio.com', 'SipHeader_X-Caller-Id': '+19995550000' };
    assert.equal(run('outbound', sipContext, event), refused(NOT_OWNED));
  });

  test('a SIP user that is not a configured desktop is refused', () => {
    for (const From of ['sip:mallory@switchboard-0a1b2c3d4e.sip.twilio.com', 'sip:default-desk@other.sip.twilio.com']) {
      const event = { From, To: 'sip:+14155550100@switchboard-0a1b2c3d4e.sip.twilio.com' };
      assert.equal(run('outbound', sipContext, event), refused(UNKNOWN_DEVICE));
    }
  });

  test('a SIP address that is not a number is refused', () => {
    const event = { From: desk, To: 'sip:bob@switchboard-0a1b2c3d4e.sip.twilio.com' };
    assert.equal(run('outbound', sipContext, event), refused(BAD_NUMBER));
  });
});
