import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { baseConfig, configContext, schedule, scheduleCases } from './support.mjs';

const { readConfig, normalizeConfig, activeGreeting, localTime, isE164 } = schedule;

describe('activeGreeting on the shared schedule vectors', () => {
  test('the fixture has cases and unique names', () => {
    assert.ok(scheduleCases.length >= 50);
    assert.equal(new Set(scheduleCases.map((c) => c.name)).size, scheduleCases.length);
  });

  for (const c of scheduleCases) {
    test(c.name, () => {
      const { config, reason, warnings } = normalizeConfig(c.config);
      assert.ok(config, `fixture configs are valid: ${reason}`);
      assert.deepEqual(warnings, [], 'fixture configs normalize without dropping anything');
      const greeting = activeGreeting(config, new Date(c.at));
      assert.equal(greeting ? greeting.id : null, c.expect, `at ${c.at} in ${config.tz}`);
    });
  }
});

describe('localTime', () => {
  test('reads the wall clock across a DST switch', () => {
    // 07:00Z on 2026-03-08 is the first instant of EDT: 02:00-03:00 local never happens.
    assert.deepEqual(localTime('America/New_York', new Date('2026-03-08T06:59:59Z')), {
      date: '2026-03-08', weekday: 0, seconds: 1 * 3600 + 59 * 60 + 59,
    });
    assert.deepEqual(localTime('America/New_York', new Date('2026-03-08T07:00:00Z')), {
      date: '2026-03-08', weekday: 0, seconds: 3 * 3600,
    });
  });

  test('midnight is hour 0 of the new day, not 24 of the old one', () => {
    assert.deepEqual(localTime('Europe/Berlin', new Date('2026-12-23T23:00:00Z')), {
      date: '2026-12-24', weekday: 4, seconds: 0,
    });
  });

  test('refuses an invalid date rather than guessing', () => {
    assert.throws(() => localTime('UTC', new Date('nope')), RangeError);
  });
});

describe('isE164', () => {
  for (const good of ['+14155550100', '+442071838750', '+4930123456', '+1234567', '+123456789012345']) {
    test(`accepts ${good}`, () => assert.equal(isE164(good), true));
  }
  for (const bad of [
    '14155550100', '+04155550100', '+1 415 555 0100', '+1-415-555-0100', '+123456',
    '+1234567890123456', '+1415555010a', ' +14155550100', '+14155550100\n', '', '+',
    'client:alice', undefined, null, 14155550100,
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isE164(bad), false));
  }
});

describe('readConfig', () => {
  const config = baseConfig({
    forward: ['+14155550100'],
    greetings: [
      { id: 'g1', kind: 'default', say: { text: 'x'.repeat(300), voice: 'Polly.Joanna' } },
      { id: 'g2', kind: 'after_hours', url: 'https://example.com/g2.wav', open: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:30' }] },
      { id: 'g3', kind: 'holiday', say: { text: 'y'.repeat(300) }, from: '2026-12-24', to: '2026-12-26' },
    ],
  });

  test('joins chunks in index order', () => {
    const context = configContext(config);
    assert.ok(Object.keys(context).length >= 3, 'this config needs several 400-char chunks');
    for (const value of Object.values(context)) assert.ok(value.length <= 400);
    const { config: read, reason } = readConfig(context);
    assert.equal(reason, null);
    assert.deepEqual(read.greetings.map((g) => g.id), ['g1', 'g2', 'g3']);
    assert.equal(read.greetings[0].say.text, 'x'.repeat(300));
  });

  test('stops at the first missing index', () => {
    const context = configContext(config);
    delete context.SWITCHBOARD_CONFIG_1;
    const { config: read, reason } = readConfig(context);
    assert.equal(read, null, 'chunk 0 alone is not valid JSON, and chunk 2 must not be appended');
    assert.match(reason, /not valid JSON/);
  });

  test('an empty chunk ends the sequence like a missing one', () => {
    const context = { ...configContext(baseConfig()), SWITCHBOARD_CONFIG_1: '', SWITCHBOARD_CONFIG_2: 'junk' };
    assert.equal(readConfig(context).reason, null);
  });

  test('accepts the single SWITCHBOARD_CONFIG variable', () => {
    const { config: read } = readConfig({ SWITCHBOARD_CONFIG: JSON.stringify(config) });
    assert.deepEqual(read.identities, ['alice-AC0123']);
  });

  test('chunks take precedence over the single variable', () => {
    const context = {
      ...configContext(baseConfig({ identities: ['from-chunks'] })),
      SWITCHBOARD_CONFIG: JSON.stringify(baseConfig({ identities: ['from-single'] })),
    };
    assert.deepEqual(readConfig(context).config.identities, ['from-chunks']);
  });

  test('missing, unparseable and wrong-version configs give null with a reason', () => {
    for (const [context, pattern] of [
      [{}, /SWITCHBOARD_CONFIG_0/],
      [undefined, /SWITCHBOARD_CONFIG_0/],
      [{ SWITCHBOARD_CONFIG: '{"v":1,' }, /not valid JSON/],
      [{ SWITCHBOARD_CONFIG: '[]' }, /not a JSON object/],
      [{ SWITCHBOARD_CONFIG: 'null' }, /not a JSON object/],
      [{ SWITCHBOARD_CONFIG: '{"v":2}' }, /version 2/],
      [{ SWITCHBOARD_CONFIG: '{}' }, /version undefined/],
    ]) {
      const { config: read, reason } = readConfig(context);
      assert.equal(read, null);
      assert.match(reason, pattern);
    }
  });
});

describe('normalizeConfig', () => {
  test('fills defaults for a minimal config', () => {
    const { config, warnings } = normalizeConfig({ v: 1 });
    assert.deepEqual(config, {
      v: 1, tz: 'UTC', identities: [], forward: [], sip: [], ring: 25, callerIds: [], maxRecord: 120, greetings: [],
    });
    assert.deepEqual(warnings, []);
  });

  test('clamps ring to 5..60 and maxRecord to 5..600, rounding to whole seconds', () => {
    const clamp = (ring, maxRecord) => {
      const { config } = normalizeConfig({ v: 1, ring, maxRecord });
      return [config.ring, config.maxRecord];
    };
    assert.deepEqual(clamp(1, 1), [5, 5]);
    assert.deepEqual(clamp(90, 3600), [60, 600]);
    assert.deepEqual(clamp(30.4, 59.5), [30, 60]);
    assert.deepEqual(clamp('30', null), [25, 120]);
  });

  test('drops invalid entries but keeps the rest, with a warning each', () => {
    const { config, warnings } = normalizeConfig({
      v: 1,
      tz: 'Mars/Olympus_Mons',
      identities: ['alice', '', 7, 'alice', 'bob'],
      forward: ['+14155550100', '4155550100'],
      callerIds: ['+14155550123', 'client:alice'],
      greetings: [
        { id: 'ok', kind: 'default', say: { text: 'hi' } },
        { id: 'nomedia', kind: 'default' },
        { id: 'kind', kind: 'weekend', say: { text: 'hi' } },
        { id: 'badurl', kind: 'default', url: 'ftp://example.com/a.wav' },
        { id: 'baddate', kind: 'holiday', say: { text: 'hi' }, from: '2026-02-30', to: '2026-03-01' },
        { id: 'reversed', kind: 'holiday', say: { text: 'hi' }, from: '2026-03-02', to: '2026-03-01' },
        { id: 'noopen', kind: 'after_hours', say: { text: 'hi' } },
        { id: 'badday', kind: 'after_hours', say: { text: 'hi' }, open: [{ days: [7], from: '09:00', to: '17:00' }] },
        { id: 'badclock', kind: 'after_hours', say: { text: 'hi' }, open: [{ days: [1], from: '9:00', to: '17:00' }] },
        { id: 'overnight', kind: 'after_hours', say: { text: 'hi' }, open: [{ days: [1], from: '22:00', to: '06:00' }] },
        null,
      ],
    });
    assert.equal(config.tz, 'UTC');
    // The repeated 'alice' is merged without a warning: ringing her twice would be the only harm.
    assert.deepEqual(config.identities, ['alice', 'bob']);
    assert.deepEqual(config.forward, ['+14155550100']);
    assert.deepEqual(config.callerIds, ['+14155550123']);
    assert.deepEqual(config.greetings.map((g) => g.id), ['ok']);
    assert.equal(warnings.length, 1 + 2 + 1 + 1 + 10, warnings.join('\n'));
  });

  test('a greeting with both url and say keeps the url', () => {
    const { config } = normalizeConfig({
      v: 1, greetings: [{ id: 'g', kind: 'default', url: 'https://example.com/g.wav', say: { text: 'hi' } }],
    });
    assert.deepEqual(config.greetings[0], { id: 'g', kind: 'default', url: 'https://example.com/g.wav' });
  });
});

describe('activeGreeting', () => {
  test('is null without a config', () => {
    assert.equal(activeGreeting(null, new Date()), null);
  });

  test('defaults to the current time', () => {
    const { config } = normalizeConfig(baseConfig());
    assert.equal(activeGreeting(config).id, 'g1');
  });
});
