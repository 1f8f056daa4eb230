import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { FALLBACK_GREETING, baseConfig, configContext, expected, run, schedule } from './support.mjs';

const SAY_GREETING = {
  id: 'g1', kind: 'default', say: { text: 'Alice is away. Leave a message.', voice: 'Polly.Joanna', language: 'en-US' },
};
const PLAY_GREETING = {
  id: 'g2', kind: 'default', url: 'https://switchboard-bucket.s3.amazonaws.com/greetings/AC0123/g2-5d41402a.wav',
};

function record(r, maxLength = 120) {
  r.record({
    maxLength, playBeep: true, timeout: 5, transcribe: true, action: '/voicemail-done', method: 'POST',
  });
  r.hangup();
}

const voicemailWithSay = expected((r) => {
  r.say({ voice: 'Polly.Joanna', language: 'en-US' }, 'Alice is away. Leave a message.');
  record(r);
});

// Pins `new Date()` inside the handler to `iso`.
function at(t, iso) {
  t.mock.timers.enable({ apis: ['Date'], now: Date.parse(iso) });
}

describe('after a conversation', () => {
  for (const status of ['completed', 'answered']) {
    test(`DialCallStatus=${status} only hangs up`, () => {
      const context = configContext(baseConfig({ greetings: [SAY_GREETING] }));
      assert.equal(run('inbound-status', context, { DialCallStatus: status }), expected((r) => r.hangup()));
    });
  }
});

describe('when nobody answered', () => {
  for (const status of ['no-answer', 'busy', 'failed', 'canceled']) {
    test(`DialCallStatus=${status} plays the greeting and records`, () => {
      const context = configContext(baseConfig({ greetings: [SAY_GREETING] }));
      assert.equal(run('inbound-status', context, { DialCallStatus: status }), voicemailWithSay);
    });
  }

  test('no DialCallStatus (straight from /inbound) records too', () => {
    const context = configContext(baseConfig({ identities: [], greetings: [SAY_GREETING] }));
    assert.equal(run('inbound-status', context, { CallStatus: 'in-progress' }), voicemailWithSay);
  });

  test('an unknown DialCallStatus records rather than losing the message', () => {
    const context = configContext(baseConfig({ greetings: [SAY_GREETING] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'something-new' }), voicemailWithSay);
  });
});

describe('greetings', () => {
  test('an audio greeting is played', () => {
    const context = configContext(baseConfig({ greetings: [PLAY_GREETING] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), expected((r) => {
      r.play(PLAY_GREETING.url);
      record(r);
    }));
  });

  test('a text greeting without voice or language uses Say without attributes', () => {
    const greeting = { id: 'g1', kind: 'default', say: { text: 'Leave a message.' } };
    const context = configContext(baseConfig({ greetings: [greeting] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'busy' }), expected((r) => {
      r.say('Leave a message.');
      record(r);
    }));
  });

  test('text and URLs are XML-escaped', () => {
    const text = 'Tom & Jerry\'s <office> says "call back"';
    const url = 'https://example.com/g.wav?a=1&b=2';
    const say = configContext(baseConfig({ greetings: [{ id: 's', kind: 'default', say: { text, voice: 'Polly.Joanna' } }] }));
    const sayTwiml = run('inbound-status', say, { DialCallStatus: 'no-answer' });
    assert.ok(sayTwiml.includes('<Say voice="Polly.Joanna">Tom &amp; Jerry\'s &lt;office&gt; says "call back"</Say>'), sayTwiml);
    assert.equal(sayTwiml, expected((r) => { r.say({ voice: 'Polly.Joanna' }, text); record(r); }));

    const play = configContext(baseConfig({ greetings: [{ id: 'p', kind: 'default', url }] }));
    const playTwiml = run('inbound-status', play, { DialCallStatus: 'no-answer' });
    assert.ok(playTwiml.includes('<Play>https://example.com/g.wav?a=1&amp;b=2</Play>'), playTwiml);
  });

  test('no greeting configured falls back to the built-in Say', () => {
    const context = configContext(baseConfig({ greetings: [] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), expected((r) => {
      r.say(FALLBACK_GREETING);
      record(r);
    }));
  });

  test('maxRecord from the config limits the recording', () => {
    const context = configContext(baseConfig({ maxRecord: 300, greetings: [] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), expected((r) => {
      r.say(FALLBACK_GREETING);
      record(r, 300);
    }));
  });

  describe('chosen by the schedule at the time of the call', () => {
    const greetings = [
      SAY_GREETING,
      { id: 'g2', kind: 'after_hours', url: 'https://example.com/after-hours.wav', open: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30' }] },
      { id: 'g3', kind: 'holiday', say: { text: 'Closed for the holidays.', voice: 'Polly.Hans', language: 'de-DE' }, from: '2026-12-24', to: '2026-12-26' },
    ];
    const context = configContext(baseConfig({ greetings }));

    test('inside business hours: the default greeting', (t) => {
      at(t, '2026-01-14T15:00:00Z'); // Wed 10:00 EST
      assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), voicemailWithSay);
    });

    test('outside business hours: the after-hours greeting', (t) => {
      at(t, '2026-01-14T23:00:00Z'); // Wed 18:00 EST
      assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), expected((r) => {
        r.play('https://example.com/after-hours.wav');
        record(r);
      }));
    });

    test('on a holiday: the holiday greeting', (t) => {
      at(t, '2026-12-24T15:00:00Z'); // Thu Dec 24 10:00 EST
      assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), expected((r) => {
        r.say({ voice: 'Polly.Hans', language: 'de-DE' }, 'Closed for the holidays.');
        record(r);
      }));
    });
  });
});

describe('an unusable config never stops voicemail', () => {
  const fallback = expected((r) => {
    r.say(FALLBACK_GREETING);
    record(r);
  });

  for (const [name, context] of [
    ['missing', {}],
    ['not JSON', { SWITCHBOARD_CONFIG_0: '{"v":1,"greetings":[' }],
    ['a later version', { SWITCHBOARD_CONFIG: '{"v":2,"greetings":[]}' }],
    ['a chunk missing in the middle', (() => {
      const c = configContext(baseConfig({ identities: Array.from({ length: 40 }, (_, i) => `user${i}`) }));
      delete c.SWITCHBOARD_CONFIG_1;
      return c;
    })()],
  ]) {
    test(`config ${name}: built-in greeting, then record`, (t) => {
      const warn = t.mock.method(console, 'warn', () => {});
      assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), fallback);
      assert.equal(warn.mock.callCount(), 1);
    });
  }

  test('a failing schedule still records', (t) => {
    const error = t.mock.method(console, 'error', () => {});
    t.mock.method(schedule, 'activeGreeting', () => { throw new RangeError('bad clock'); });
    const context = configContext(baseConfig({ greetings: [SAY_GREETING] }));
    assert.equal(run('inbound-status', context, { DialCallStatus: 'no-answer' }), fallback);
    assert.equal(error.mock.callCount(), 1, 'the failure is logged for the Twilio console');
  });
});

test('voicemail-done hangs up', () => {
  assert.equal(run('voicemail-done', {}, { RecordingSid: 'RE0123', RecordingDuration: '12' }), expected((r) => r.hangup()));
});
