// Calling in the real Switchboard window under Xvfb (tauri-driver and WebKitWebDriver), against
// a local fake Twilio with a small phone network (fake-twilio.mjs). Debian's WebKitGTK has no
// RTCPeerConnection, so the window must find that out itself and choose the bridge engine, say
// why, and refuse to call until your own phone is set. Then a call placed from the dialer rings
// your phone first, dials the other party from the chosen caller ID only once you answered,
// shows each phase, holds and resumes the other party, and ends when you hang up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openWindowApp, SHOTS, until } from './webdriver.mjs';
import { startFakeTwilio } from './fake-twilio.mjs';
import { MAIN_NUMBER } from '../fixtures/ui-fixtures.mjs';

const ACCOUNT = 'AC00000000000000000000000000ca11ed';
const KEY = 'SK00000000000000000000000000ca11ed';
const SECRET = 'callS3cr3tcallS3cr3tcallS3cr3t00';
const ACCOUNT_NAME = 'Acme Front Desk';
const OURS = MAIN_NUMBER;
const MINE = '+14155550111';
const THEIRS = '+12125550199';

let twilio;
let app;
let session;

const text = async (css) => {
  try {
    return (await (await session.find(css, 300)).text()).trim();
  } catch {
    return '';
  }
};
const phase = () => text('[data-testid="call-phase"]');
const explain = async () => `${await text('[data-testid="dial-error"]')} ${await text('[data-testid="call-error"]')} ${await phase()}`;
const participants = () => twilio.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Participants.json'));

before(async () => {
  twilio = await startFakeTwilio({
    account: ACCOUNT, keySid: KEY, secret: SECRET, friendlyName: ACCOUNT_NAME,
    numbers: [OURS],
    // Your phone rings for two polls (about two seconds), the other party for three.
    pickup: { [MINE]: { answerAfter: 2 }, [THEIRS]: { answerAfter: 3 } },
  });
  app = await openWindowApp('calls', { api: twilio.url });
  session = app.session;
  await session.connectAccount({ account: ACCOUNT, key: KEY, secret: SECRET, name: ACCOUNT_NAME });
});

after(async () => {
  await app?.close();
  await twilio?.close();
  if (twilio?.unknown.length) console.error(`fake Twilio had no answer for:\n  ${twilio.unknown.join('\n  ')}`);
});

test('WebKitGTK has no RTCPeerConnection: the dialer chooses the bridge engine, says why, and needs your phone', async () => {
  const detected = await session.execute(
    'return { webrtc: typeof RTCPeerConnection, microphone: typeof navigator.mediaDevices?.getUserMedia }',
  );
  assert.equal(detected.webrtc, 'undefined', 'Debian’s WebKitGTK really has no RTCPeerConnection');
  await (await session.find('[data-testid="nav-dialer"]')).click();
  await session.waitForText('[data-testid="view-dialer"] h1', (t) => t === 'Dialer');
  const engine = await session.find('[data-testid="dial-engine"]');
  assert.equal(await engine.attribute('data-engine'), 'bridge');
  const reason = await engine.text();
  assert.match(reason, /Through your phone/);
  assert.match(reason, /RTCPeerConnection/, 'the reason names what the window lacks');
  assert.match(await text('[data-testid="dial-blocker"]'), /Set your own phone number in Settings/);
  assert.equal(await (await session.find('[data-testid="dial-call"]')).attribute('disabled'), 'true', 'no call without your phone');
  await session.screenshot(join(SHOTS, 'calls-dialer-blocked.png'));
});

test('your phone is set in Settings › Calling, checked, and kept', async () => {
  await (await session.find('[data-testid="dial-open-settings"]')).click();
  const field = await session.find('[data-testid="calling-bridge-phone"]');
  await field.type('415 55');
  await (await session.find('[data-testid="calling-bridge-save"]')).click();
  await session.waitForText('[data-testid="calling-bridge-error"]', (t) => t.startsWith('Your phone:'));
  await field.clear();
  await field.type(MINE);
  await (await session.find('[data-testid="calling-bridge-save"]')).click();
  await session.waitForText('[data-testid="calling-bridge-saved"]', (t) => t.length > 0);
  assert.match(await text('[data-testid="calling-reason"]'), /ring your phone first/i);
});

test('a call rings your phone, then the other party from your number, and every phase shows', async () => {
  await (await session.find('[data-testid="nav-dialer"]')).click();
  await session.waitForText('[data-testid="view-dialer"] h1', (t) => t === 'Dialer');
  await until(async () => !(await text('[data-testid="dial-blocker"]')), 'the blocker going away once your phone is set');
  const from = await session.execute(
    'const s = document.querySelector(\'[data-testid="dial-from"]\'); return s ? { value: s.value, shown: s.selectedOptions?.[0]?.textContent ?? s.textContent } : null',
  );
  assert.equal(from?.value, OURS, `the account’s number is the caller ID: ${JSON.stringify(from)}`);
  const number = await session.find('[data-testid="dial-number"]');
  await number.click();
  await session.press(...'2125550199');
  assert.equal(await text('[data-testid="dial-number"]') || (await number.attribute('value')), '(212) 555-0199', 'formatted as typed');
  await session.screenshot(join(SHOTS, 'calls-dialer.png'));
  await (await session.find('[data-testid="dial-call"]')).click();

  const seen = [];
  await until(async () => {
    const p = await phase();
    if (seen.at(-1) !== p) seen.push(`${Date.now() % 100000}:${p}`);
    return /Ringing your phone/.test(p);
  }, 'the call ringing your phone', { explain: async () => `${await explain()} seen ${JSON.stringify(seen)}` });
  assert.equal(participants().length, 1, 'only your phone rings at first');
  assert.deepEqual(
    { To: participants()[0].form.To, From: participants()[0].form.From, Label: participants()[0].form.Label },
    { To: MINE, From: OURS, Label: 'you' },
  );
  assert.match(participants()[0].path, /\/Conferences\/sb-[0-9a-f]{32}\/Participants\.json$/);
  await session.screenshot(join(SHOTS, 'calls-ringing-you.png'));

  await until(async () => participants().length === 2, 'the other party being dialed once you answered', { explain });
  const them = participants()[1].form;
  assert.deepEqual({ To: them.To, From: them.From, Label: them.Label }, { To: THEIRS, From: OURS, Label: 'them' });
  assert.equal(participants()[1].path, participants()[0].path, 'into the same conference');
  const you = twilio.calls.find((c) => c.to === MINE);
  assert.equal(you.status, 'in-progress', 'you had answered before they were dialed');

  await until(async () => /^\d+:\d\d$/.test(await phase()), 'the call connecting (the timer running)', { explain });
  assert.equal(await text('[data-testid="call-remote"]'), '(212) 555-0199');
  await session.screenshot(join(SHOTS, 'calls-in-call.png'));
});

test('hold parks the other party and resume brings them back; hanging up ends both legs', async () => {
  const other = () => twilio.calls.find((c) => c.to === THEIRS);
  await (await session.find('[data-testid="call-hold"]')).click();
  await until(() => other().hold, 'the other party on hold', { explain });
  await until(async () => /On hold/.test(await phase()), 'the screen saying On hold', { explain });
  await (await session.find('[data-testid="call-hold"]')).click();
  await until(() => !other().hold, 'the other party back', { explain });

  await (await session.find('[data-testid="call-hangup"]')).click();
  await until(async () => /^Ended: You hung up\.$/.test(await phase()), 'the call showing it ended', { explain });
  await until(
    () => twilio.calls.every((c) => c.status === 'completed'),
    'both legs hung up in Twilio',
  );
  await session.screenshot(join(SHOTS, 'calls-ended.png'));
  await until(async () => /You hung up/.test(await text('[data-testid="call-outcome"]')), 'the dialer back, with the outcome', {
    timeoutMs: 10_000,
    explain,
  });
});
