// Shared set-up for the routing function tests: the twilio package from tests/harness as the
// `Twilio` global Functions provide, a fake `Runtime` that resolves the private schedule module
// to the real file, and helpers to run a handler and to build expected TwiML independently.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const harnessRequire = createRequire(new URL('../harness/package.json', import.meta.url));
export const { twiml } = harnessRequire('twilio');

const functionsDir = new URL('../../src/routing/functions/', import.meta.url);
const functionsRequire = createRequire(functionsDir);
export const schedulePath = fileURLToPath(new URL('schedule.js', functionsDir));

export const fakeRuntime = {
  getFunctions: () => ({ schedule: { path: schedulePath } }),
};
globalThis.Twilio = { twiml };
globalThis.Runtime = fakeRuntime;

export const schedule = functionsRequire('./schedule.js');

export const scheduleCases = JSON.parse(
  readFileSync(new URL('../fixtures/greeting-schedule-cases.json', import.meta.url), 'utf8'),
);

export const FALLBACK_GREETING =
  'The person you are calling is not available. Please leave a message after the tone.';

/** Loads a function file from src/routing/functions by its deployed path, e.g. "inbound". */
export function loadFunction(name) {
  return functionsRequire(`./${name}.js`);
}

/**
 * Calls the named function's handler as Twilio Functions would and returns the TwiML string.
 * The handlers answer synchronously, so the callback must have run exactly once on return.
 */
export function run(name, context, event = {}) {
  const calls = [];
  loadFunction(name).handler(context, event, (err, response) => calls.push([err, response]));
  assert.equal(calls.length, 1, `${name} must call back exactly once`);
  const [err, response] = calls[0];
  assert.equal(err, null, `${name} must not fail the call`);
  assert.ok(response instanceof twiml.VoiceResponse, `${name} must answer with a VoiceResponse`);
  return response.toString();
}

/** TwiML built directly with the twilio package, for comparison with a handler's answer. */
export function expected(build) {
  const response = new twiml.VoiceResponse();
  build(response);
  return response.toString();
}

/** The environment the desktop app writes: the config JSON in chunks of at most `size` chars. */
export function configContext(config, size = 400) {
  const text = JSON.stringify(config);
  const context = {};
  for (let i = 0; i * size < text.length; i++) {
    context[`SWITCHBOARD_CONFIG_${i}`] = text.slice(i * size, (i + 1) * size);
  }
  return context;
}

/** A complete version 1 config; `overrides` replace top-level keys. */
export function baseConfig(overrides = {}) {
  return {
    v: 1,
    tz: 'America/New_York',
    identities: ['alice-AC0123'],
    forward: [],
    ring: 25,
    callerIds: ['+14155550123', '+14155550124'],
    maxRecord: 120,
    greetings: [
      {
        id: 'g1',
        kind: 'default',
        say: { text: 'Alice is away. Leave a message.', voice: 'Polly.Joanna', language: 'en-US' },
      },
    ],
    ...overrides,
  };
}
