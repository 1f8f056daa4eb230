// Over 600 lines: one suite per feature with its scenarios side by side; the fakes, fixtures and browser helpers are already apart (harness.mjs and its modules).
// Calling (issue 8) in headless Chromium over dist/: the dialer on both engines, in-call controls,
// incoming calls, the Calls view and the Settings card, against the fake core calls and the fake
// Voice SDK module of harness.mjs. Run `npm run build` first; screenshots go to test-results/.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appSuite, CONNECTED, eventually, ipcCalls, MAIN_NUMBER, requested, screenshot } from './harness.mjs';

const MAIN = MAIN_NUMBER;
const CALLER = '+14155550177';
const SDK_LEG = 'CA' + 'b'.repeat(32);
const INCOMING = 'CA' + 'a'.repeat(32);
const SECOND = 'CA' + 'c'.repeat(32);

const open = appSuite();

/** Opens the app on the dialer, runs `body`, then checks the page logged no errors and never fetched the real SDK. */
function withApp(scenario, body, options) {
  return open(
    { ...CONNECTED, ...scenario },
    async (page) => {
      // Asked for from the start: the chunk can load before the dialer shows.
      const sdkRequests = () => requested(page).filter((url) => /\/assets\/twilio-[^/]*\.js$/.test(url));
      await page.getByTestId('view-dialer').waitFor();
      await body(page, sdkRequests);
    },
    options,
  );
}

const text = async (page, testId) => (await page.getByTestId(testId).innerText()).trim();
const commands = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd).map((c) => c.args);
const controls = async (page) => (await commands(page, 'call_control')).map((a) => a.control);
const phase = (page) => text(page, 'call-phase');
const latestId = (page) => page.evaluate(() => window.__calls.latest().id);
const change = (page, patch) => page.evaluate((p) => window.__calls.change(window.__calls.latest().id, p), patch);
const sdkLog = (page) => page.evaluate(() => window.__sdk.log.map((l) => l.what));

async function waitForPhase(page, expected) {
  await eventually(async () => assert.match(await phase(page), expected));
}

/** A call placed from the dialer to (415) 555-0123, answered. */
async function connectedCall(page) {
  await page.getByTestId('dial-number').fill('4155550123');
  await page.getByTestId('dial-call').click();
  await page.getByTestId('in-call').waitFor();
  const id = await latestId(page);
  await change(page, { phase: 'in_progress', answered_at: Date.now(), you_sid: 'CA1', them_sid: 'CA2' });
  await waitForPhase(page, /^0:0\d$/);
  return id;
}

describe('the dialer on the bridge engine (a window without WebRTC)', () => {
  const bridge = { calling: { settings: { engine: 'auto' } } };

  test('places a call, shows each phase, then the outcome, without ever loading the SDK', async () => {
    await withApp(
      bridge,
      async (page, sdkRequests) => {
        const setup = await commands(page, 'call_setup');
        assert.deepEqual(setup[0], { capabilities: { webrtc: false, microphone: true } }, 'capabilities are detected, not assumed');
        await eventually(async () => assert.match(await text(page, 'dial-engine'), /^Through your phone\s+Calls ring your phone first.*RTCPeerConnection/));
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'dial-number');

        await page.keyboard.type('4155550123');
        await eventually(async () => assert.equal(await page.getByTestId('dial-number').inputValue(), '(415) 555-0123'));
        assert.equal(await page.getByTestId('dial-from').inputValue(), MAIN);
        await screenshot(page, 'calling-dialer');

        await page.keyboard.press('Enter');
        await page.getByTestId('in-call').waitFor();
        assert.deepEqual(await commands(page, 'start_call'), [{ request: { to: '4155550123', country: 'US', from: MAIN, engine: 'bridge' } }]);
        assert.equal(await text(page, 'call-remote'), '(415) 555-0123');
        assert.equal(await text(page, 'call-engine'), 'Through your phone');
        assert.equal(await phase(page), 'Connecting…');
        assert.equal(await page.getByTestId('call-status-live').getAttribute('aria-live'), 'polite');
        assert.equal(await text(page, 'call-status-live'), 'Connecting…');

        await change(page, { phase: 'calling_you', you_sid: 'CA1' });
        await waitForPhase(page, /^Ringing your phone…$/);
        assert.match(await text(page, 'call-hint'), /^Answer your phone/);
        await screenshot(page, 'calling-bridge-ringing-you');
        await change(page, { phase: 'ringing', them_sid: 'CA2' });
        await waitForPhase(page, /^Ringing…$/);
        await change(page, { phase: 'in_progress', answered_at: Date.now() - 61_000 });
        await waitForPhase(page, /^1:0[12]$/);
        assert.equal(await page.getByTestId('call-status-live').textContent(), 'Connected with (415) 555-0123', 'the timer is not read out every second');
        await change(page, { notice: 'Lost contact with Twilio (timed out); retrying.' });
        await eventually(async () => assert.match(await text(page, 'call-notice'), /retrying/));
        await change(page, { notice: null });

        await page.evaluate(() => window.__calls.end(window.__calls.latest().id, 'They hung up.'));
        await waitForPhase(page, /^Ended: They hung up\.$/);
        assert.deepEqual(await controls(page), [], 'a call the core ended is not hung up again');
        await page.getByTestId('call-done').click();
        assert.equal(await text(page, 'call-outcome'), 'Call with (415) 555-0123 ended: They hung up.');
        assert.equal(await page.getByTestId('in-call').count(), 0);
        assert.deepEqual(sdkRequests(), [], 'the SDK chunk is never fetched without WebRTC');
      },
      { webkitgtk: true },
    );
  });

  test('the dialpad and the keyboard type the number; 0 held gives +', async () => {
    await withApp(bridge, async (page) => {
      const number = page.getByTestId('dial-number');
      for (const key of ['4', '1', '5']) await page.getByTestId(`key-${key}`).click();
      assert.equal(await number.inputValue(), '(415)', 'formatted as it is typed');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'dial-number', 'the keypad leaves the focus in the field');
      await page.getByTestId('dial-backspace').click();
      await page.getByTestId('dial-backspace').click();
      await page.getByTestId('dial-backspace').click();
      assert.equal(await number.inputValue(), '');

      const zero = page.getByTestId('key-0');
      await zero.hover();
      await page.mouse.down();
      await page.waitForTimeout(700);
      await page.mouse.up();
      assert.equal(await number.inputValue(), '+', 'a long press on 0 types +');
      await page.getByTestId('key-4').click();
      await page.getByTestId('key-4').click();
      await zero.click();
      assert.match(await number.inputValue(), /^\+44 ?0$/);

      // With the focus outside any field, keys still dial: digits, *, #, Backspace.
      await page.locator('#title-dialer').focus();
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      await page.keyboard.press('Backspace');
      assert.equal(await number.inputValue(), '');
      await page.keyboard.type('*67#');
      assert.equal(await number.inputValue(), '*67#', 'service codes are shown as typed');
      await page.keyboard.press('Control+a');
      assert.equal(await number.inputValue(), '*67#', 'shortcuts are left alone');

      // Letters become their digits, as on a phone.
      await number.fill('1-800-FLOWERS');
      assert.equal(await number.inputValue(), '1 (800) 356-9377');
    });
  });

  test('an incomplete number, a caller ID no longer owned and no bridge phone each say what to do', async () => {
    const released = { calling: { settings: { engine: 'auto' }, ownedAtDial: [{ number: MAIN }] } };
    await withApp(
      released,
      async (page) => {
        await page.getByTestId('dial-number').fill('415');
        await page.getByTestId('dial-call').click();
        await eventually(async () => assert.match(await text(page, 'dial-error'), /^Number: "415" is too short/));
        assert.equal(await page.getByTestId('dial-number').getAttribute('aria-invalid'), 'true');
        assert.equal(await page.getByTestId('dial-number').getAttribute('aria-describedby'), 'dial-error');
        await screenshot(page, 'calling-dialer-error');

        await page.getByTestId('dial-number').fill('4155550123');
        assert.equal(await page.getByTestId('dial-error').count(), 0, 'typing clears the old message');
        await page.getByTestId('dial-from').selectOption('+14155550100');
        await page.getByTestId('dial-call').click();
        await eventually(async () => assert.match(await text(page, 'dial-error'), /^Caller ID: \(415\) 555-0100 is not one of this account's voice numbers/));
        assert.equal(await page.getByTestId('dial-from').getAttribute('aria-invalid'), 'true');
        assert.equal(await page.getByTestId('in-call').count(), 0);
      },
      { webkitgtk: true },
    );

    await withApp(
      { calling: { settings: { engine: 'auto', bridge_phone: null } } },
      async (page) => {
        await eventually(async () => assert.match(await text(page, 'dial-blocker'), /Set your own phone number in Settings/));
        assert.ok(await page.getByTestId('dial-call').isDisabled(), 'no call can be placed');
        await screenshot(page, 'calling-dialer-blocker');
        await page.getByTestId('dial-open-settings').click();
        await page.getByTestId('settings-calling').waitFor();
        assert.deepEqual(await commands(page, 'start_call'), []);
      },
      { webkitgtk: true },
    );
  });

  test('recent calls redial', async () => {
    const log = [logEntry({ sid: 'CA9', remote: '+14155550142', direction: 'outbound', outcome: 'answered', duration: 61 })];
    await withApp(
      { calling: { settings: { engine: 'auto' }, log } },
      async (page) => {
        await eventually(async () => assert.equal(await page.getByTestId('recent-call').count(), 1));
        assert.deepEqual((await commands(page, 'call_log'))[0].filter.limit, 5);
        await page.getByTestId('recent-redial').click();
        await page.getByTestId('in-call').waitFor();
        assert.deepEqual((await commands(page, 'start_call'))[0].request, { to: '+14155550142', country: null, from: MAIN, engine: 'bridge' });
      },
      { webkitgtk: true },
    );
  });
});

describe('in-call controls', () => {
  test('mute, hold and resume, keypad digits, recording, a refused control, and transfer', async () => {
    const refused = { code: 'twilio', message: 'Twilio could not hold the call (HTTP 500): try again.' };
    await withApp({ calling: { controlErrors: { hold: [refused] } } }, async (page) => {
      const id = await connectedCall(page);

      await page.getByTestId('call-mute').click();
      await eventually(async () => assert.equal(await page.getByTestId('call-mute').getAttribute('aria-pressed'), 'true'));
      await page.getByTestId('call-hold').click();
      await eventually(async () => assert.equal(await text(page, 'call-error'), refused.message));
      assert.equal(await page.getByTestId('call-hold').getAttribute('aria-pressed'), 'false', 'a refused hold leaves the call as it was');
      await page.getByTestId('call-hold').click();
      await waitForPhase(page, /^On hold$/);
      assert.equal(await page.getByTestId('call-error').count(), 0);
      await page.getByTestId('call-hold').click();
      await waitForPhase(page, /^0:\d\d$/);

      await page.getByTestId('call-keypad').click();
      for (const key of ['1', '2', '#']) await page.getByTestId('dtmf-pad').getByTestId(`key-${key}`).click();
      await page.keyboard.press('9');
      await eventually(async () => assert.deepEqual((await controls(page)).filter((c) => c.action === 'digits'), [{ action: 'digits', digits: '12#9' }]));
      assert.equal(await text(page, 'call-digits'), '12#9');

      await page.getByTestId('call-record').click();
      await eventually(async () => assert.equal(await text(page, 'rec-indicator'), 'REC'));
      await screenshot(page, 'calling-in-call');
      await page.getByTestId('call-record-pause').click();
      await eventually(async () => assert.equal(await text(page, 'rec-indicator'), 'REC paused'));
      await page.getByTestId('call-record-pause').click();
      await eventually(async () => assert.equal(await text(page, 'rec-indicator'), 'REC'));
      await page.getByTestId('call-record-stop').click();
      await eventually(async () => assert.equal(await page.getByTestId('rec-indicator').count(), 0));

      await page.getByTestId('call-transfer').click();
      await page.getByTestId('transfer-to').fill('415 555 0188');
      await page.getByTestId('transfer-submit').click();
      await waitForPhase(page, /^Ended: Transferred to \(415\) 555-0188\.$/);

      assert.deepEqual(await controls(page), [
        { action: 'mute', on: true },
        { action: 'hold' },
        { action: 'hold' },
        { action: 'resume' },
        { action: 'digits', digits: '12#9' },
        { action: 'start_recording' },
        { action: 'pause_recording' },
        { action: 'resume_recording' },
        { action: 'stop_recording' },
        { action: 'transfer', to: '415 555 0188', country: 'US' },
      ]);
      assert.ok((await commands(page, 'call_control')).every((a) => a.id === id));
      // The dialer comes back on its own.
      await page.getByTestId('call-outcome').waitFor({ timeout: 8000 });
      assert.match(await text(page, 'call-outcome'), /ended: Transferred to/);
    });
  });

  test('a live call stays in reach from any view', async () => {
    await withApp({}, async (page) => {
      await connectedCall(page);
      await page.getByTestId('nav-voicemail').click();
      await page.getByTestId('call-bar').waitFor();
      assert.match(await text(page, 'call-bar'), /\(415\) 555-0123 · 0:\d\d/);
      await screenshot(page, 'calling-call-bar');
      await page.getByTestId('call-bar-show').click();
      await page.getByTestId('in-call').waitFor();
      await page.getByTestId('nav-numbers').click();
      await page.getByTestId('call-bar-hangup').click();
      await eventually(async () => assert.equal(await page.getByTestId('call-bar').count(), 0));
      assert.deepEqual(await controls(page), [{ action: 'hangup' }]);
    });
  });
});

describe('the webview engine (the Voice SDK, faked)', () => {
  const webview = { calling: { settings: { engine: 'auto' } } };

  test('registers a device, connects a call to its conference, and follows it to an SDK error', async () => {
    await withApp(webview, async (page, sdkRequests) => {
      await eventually(async () => assert.equal(await page.getByTestId('dial-device').getAttribute('data-state'), 'registered'));
      assert.equal(sdkRequests().length, 1, 'the SDK chunk is fetched once the webview engine is chosen');
      assert.match(await text(page, 'dial-engine'), /^In the app\s+Calls use this computer’s microphone/);
      const device = await page.evaluate(() => ({ token: window.__sdk.device.tokens[0], options: window.__sdk.device.options, ring: window.__sdk.device.audio.incomingSound }));
      assert.deepEqual(device, { token: 'jwt-1', options: { allowIncomingWhileBusy: true, closeProtection: true, codecPreferences: ['opus', 'pcmu'] }, ring: false });

      await page.evaluate(() => window.__sdk.device.expireSoon());
      await eventually(async () => assert.equal(await page.evaluate(() => window.__sdk.device.tokens.length), 2, 'the token is renewed'));

      await page.getByTestId('dial-number').fill('4155550123');
      await page.getByTestId('dial-call').click();
      await page.getByTestId('in-call').waitFor();
      const id = await latestId(page);
      assert.equal((await commands(page, 'start_call'))[0].request.engine, 'webview');
      await eventually(async () => assert.deepEqual(await page.evaluate(() => window.__sdk.outgoing?.params), { Room: id }));
      await page.evaluate((sid) => window.__sdk.outgoing.answered(sid), SDK_LEG);
      await eventually(async () => assert.deepEqual(await commands(page, 'attach_call'), [{ id, call_sid: SDK_LEG }]));
      await change(page, { phase: 'ringing', them_sid: 'CA2' });
      await waitForPhase(page, /^Ringing…$/);
      await change(page, { phase: 'in_progress', answered_at: Date.now() });
      await waitForPhase(page, /^0:0\d$/);
      assert.equal(await text(page, 'call-engine'), 'In the app');

      await page.getByTestId('call-mute').click();
      await eventually(async () => assert.equal(await page.evaluate(() => window.__sdk.outgoing.muted), true, 'the window’s microphone is muted'));

      await page.evaluate(() => window.__sdk.outgoing.reconnecting());
      await eventually(async () => assert.equal(await text(page, 'call-reconnecting'), 'Reconnecting…'));
      await page.evaluate(() => window.__sdk.outgoing.reconnected());
      await eventually(async () => assert.equal(await page.getByTestId('call-reconnecting').count(), 0));
      await page.evaluate(() => (window.__sdk.outgoing.warn('high-rtt'), window.__sdk.outgoing.warn('constant-audio-input-level')));
      await eventually(async () => assert.equal(await page.getByTestId('call-warning').count(), 2));
      assert.deepEqual(await page.getByTestId('call-warning').allInnerTexts(), [
        'Long delay on the line: you may talk over each other.',
        'Your microphone seems silent: check that it is on and not muted in the system.',
      ]);
      await screenshot(page, 'calling-in-call-webview');
      await page.evaluate(() => window.__sdk.outgoing.clearWarning('high-rtt'));
      await eventually(async () => assert.equal(await page.getByTestId('call-warning').count(), 1));

      await page.evaluate(() => window.__sdk.outgoing.fail(new window.__sdk.TwilioError(53405, 'ConnectionFailed', 'Media connection failed')));
      await waitForPhase(page, /^Ended: The call’s audio could not get through: a firewall or the network may be blocking it \(Twilio error 53405\)\.$/);
      assert.deepEqual(await controls(page), [
        { action: 'mute', on: true },
        { action: 'left', reason: 'The call’s audio could not get through: a firewall or the network may be blocking it (Twilio error 53405).' },
      ], 'the core is told the window’s leg is gone, and why');
      await screenshot(page, 'calling-ended-error');
    });
  });
});

describe('incoming calls', () => {
  const webview = { calling: { settings: { engine: 'auto' } } };
  const ring = (page, sid) => page.evaluate(([s, from, to]) => void window.__sdk.device.ring(s, from, to), [sid, CALLER, MAIN]);
  const registered = (page) => eventually(async () => assert.equal(await page.getByTestId('dial-device').getAttribute('data-state'), 'registered'));

  test('are offered, answered in the SDK, and take their digits through it', async () => {
    await withApp(webview, async (page) => {
      await registered(page);
      await page.getByTestId('nav-calls').click();
      await ring(page, INCOMING);
      await page.getByTestId('incoming-call').waitFor();
      assert.deepEqual(await commands(page, 'incoming_call'), [{ call_sid: INCOMING, from: CALLER, to: MAIN }]);
      assert.equal(await text(page, 'incoming-remote'), '(415) 555-0177');
      assert.match(await page.getByTestId('incoming-call').innerText(), /To \(415\) 867-5309/);
      await screenshot(page, 'calling-incoming');

      await page.getByTestId('incoming-answer').click();
      await eventually(async () => assert.deepEqual(await sdkLog(page), ['accept']));
      await eventually(async () => assert.equal(await page.getByTestId('incoming-call').count(), 0));
      await page.evaluate((sid) => window.__calls.change(sid, { phase: 'in_progress', answered_at: Date.now() }), INCOMING);
      await page.getByTestId('call-bar').waitFor();
      await page.getByTestId('call-bar-show').click();
      await waitForPhase(page, /^0:0\d$/);
      assert.ok(await page.getByTestId('call-hold').isDisabled(), 'an incoming call cannot be held');
      await page.getByTestId('call-keypad').click();
      await page.getByTestId('dtmf-pad').getByTestId('key-5').click();
      await eventually(async () => assert.deepEqual(await page.evaluate(() => window.__sdk.incoming.sent), ['5']));
      assert.deepEqual(await controls(page), [], 'digits of an incoming call do not go through the core');
    });
  });

  test('are declined from the panel, and answered or declined from the notification', async () => {
    await withApp(webview, async (page) => {
      await registered(page);
      await ring(page, INCOMING);
      await page.getByTestId('incoming-decline').click();
      await eventually(async () => assert.equal(await page.getByTestId('incoming-call').count(), 0));
      assert.deepEqual(await sdkLog(page), ['reject']);
      assert.deepEqual(await commands(page, 'call_control'), [{ id: INCOMING, control: { action: 'hangup' } }]);

      await ring(page, SECOND);
      await page.getByTestId('incoming-call').waitFor();
      await page.evaluate((sid) => window.__ipc.emit('call://decline', sid), SECOND);
      await eventually(async () => assert.equal(await page.getByTestId('incoming-call').count(), 0));
      assert.deepEqual(await sdkLog(page), ['reject', 'reject']);

      const third = 'CA' + 'd'.repeat(32);
      await ring(page, third);
      await page.getByTestId('incoming-call').waitFor();
      await page.evaluate((sid) => window.__ipc.emit('call://answer', sid), third);
      await eventually(async () => assert.deepEqual(await sdkLog(page), ['reject', 'reject', 'accept']));
      await page.getByTestId('in-call').waitFor();
      assert.equal(await text(page, 'call-remote'), '(415) 555-0177');
      assert.equal(await phase(page), 'Connecting…');
    });
  });

  test('a second call while busy is offered: Hold & answer, or Decline to voicemail', async () => {
    await withApp(webview, async (page) => {
      await registered(page);
      await page.getByTestId('dial-number').fill('4155550123');
      await page.getByTestId('dial-call').click();
      await eventually(async () => assert.ok(await page.evaluate(() => !!window.__sdk.outgoing)));
      const first = await latestId(page);
      await page.evaluate((sid) => window.__sdk.outgoing.answered(sid), SDK_LEG);
      await change(page, { phase: 'in_progress', answered_at: Date.now(), them_sid: 'CA2' });
      await waitForPhase(page, /^0:0\d$/);

      await ring(page, INCOMING);
      await page.getByTestId('second-call').waitFor();
      assert.match(await page.getByTestId('second-call').innerText(), /Another call from \(415\) 555-0177/);
      assert.equal(await page.getByTestId('in-call').getAttribute('data-phase'), 'in_progress', 'the current call goes on');
      await screenshot(page, 'calling-second-call');
      await page.getByTestId('second-hold-answer').click();
      await eventually(async () => assert.deepEqual(await sdkLog(page), ['accept']));
      assert.deepEqual(await commands(page, 'call_control'), [{ id: first, control: { action: 'hold' } }]);
      await eventually(async () => assert.equal(await text(page, 'call-remote'), '(415) 555-0177'));
      assert.match(await page.getByTestId('other-call').innerText(), /\(415\) 555-0123 · On hold/);

      await ring(page, SECOND);
      await page.getByTestId('second-call').waitFor();
      assert.equal(await page.getByTestId('second-hold-answer').count(), 0, 'an incoming call cannot be held');
      await page.getByTestId('incoming-decline').click();
      await eventually(async () => assert.equal(await page.getByTestId('second-call').count(), 0));
      assert.deepEqual((await commands(page, 'call_control')).at(-1), { id: SECOND, control: { action: 'hangup' } });
    });
  });
});

/** A call log row as the cache returns it. */
function logEntry(fields) {
  const remote = fields.remote ?? '+14155550101';
  const inbound = (fields.direction ?? 'inbound') === 'inbound';
  return {
    sid: 'CA0',
    direction: 'inbound',
    outcome: 'answered',
    status: 'completed',
    from_number: inbound ? remote : MAIN,
    to_number: inbound ? MAIN : remote,
    remote,
    remote_display: remote.replace(/^\+1(\d{3})(\d{3})(\d{4})$/, '($1) $2-$3'),
    caller_name: null,
    created_at: 1795000000,
    started_at: 1795000000,
    duration: 60,
    price: '-0.0085',
    price_unit: 'USD',
    recording_sid: null,
    voicemail: false,
    ...fields,
    started_at: fields.started_at ?? fields.created_at ?? 1795000000,
  };
}

describe('the Calls view', () => {
  const day = (d, h = 12) => Math.floor(new Date(2026, 10, d, h).getTime() / 1000);
  const LOG = [
    logEntry({ sid: 'CA01', remote: '+14155550101', caller_name: 'Dana Whitfield', created_at: day(20), duration: 125, price: '-0.0170' }),
    logEntry({ sid: 'CA02', remote: '+14155550102', outcome: 'missed', status: 'no-answer', created_at: day(19), duration: 0, price: null, recording_sid: 'RE2', voicemail: true }),
    logEntry({ sid: 'CA03', direction: 'outbound', remote: '+14155550103', created_at: day(18), duration: 47, price: '-0.0140' }),
    logEntry({ sid: 'CA04', direction: 'outbound', remote: '+442071838750', remote_display: '+44 20 7183 8750', outcome: 'unanswered', status: 'busy', created_at: day(10), duration: 0, price: '0.00' }),
    logEntry({ sid: 'CA05', remote: '+14155550101', caller_name: 'Dana Whitfield', created_at: day(2), duration: 300, price: '-0.0510', recording_sid: 'RE5' }),
  ];
  const VOICEMAIL = {
    recording_sid: 'RE2', call_sid: 'CA02', caller: '+14155550102', caller_display: '(415) 555-0102', caller_name: null, called: MAIN, created_at: day(19),
    duration: 14, recording_status: 'completed', transcription_sid: 'TR2', transcription_status: 'completed', transcript: 'Call me about the boiler.', state: 'read',
    audio_path: null, archive_key: null,
  };

  test('filters by direction, outcome, dates and number, sums them up, and shows details', async () => {
    await withApp({ calling: { log: LOG }, voicemails: [VOICEMAIL] }, async (page) => {
      await page.getByTestId('nav-calls').click();
      await eventually(async () => assert.equal(await page.getByTestId('calls-item').count(), 5));
      assert.equal(await text(page, 'summary-total'), '5');
      assert.equal(await text(page, 'summary-inbound'), '3');
      assert.equal(await text(page, 'summary-outbound'), '2');
      assert.equal(await text(page, 'summary-missed'), '1');
      assert.equal(await text(page, 'summary-average'), '2:37', '(125 + 47 + 300) / 3 connected calls');
      assert.equal(await text(page, 'summary-cost'), '$0.08');
      assert.deepEqual(await page.getByTestId('calls-item-outcome').allInnerTexts(), ['Answered', 'Missed', 'Answered', 'Not answered', 'Answered']);
      assert.equal(await page.getByTestId('calls-item-name').first().innerText(), 'Dana Whitfield');

      // Details of the first, selected.
      assert.equal(await text(page, 'calls-detail-status'), 'Completed');
      assert.equal(await text(page, 'calls-detail-duration'), '2:05');
      assert.equal(await text(page, 'calls-detail-price'), '$0.017');
      assert.equal(await text(page, 'calls-detail-sid'), 'CA01');
      assert.equal(await text(page, 'calls-detail-recording'), 'None');
      await screenshot(page, 'calling-calls-view');

      await page.getByTestId('calls-direction-outbound').click();
      await eventually(async () => assert.equal(await page.getByTestId('calls-item').count(), 2));
      assert.equal(await text(page, 'summary-total'), '2');
      await page.getByTestId('calls-direction-all').click();
      await page.getByTestId('calls-outcome').selectOption('missed');
      await eventually(async () => assert.equal(await page.getByTestId('calls-item').count(), 1));
      assert.equal(await text(page, 'calls-detail-status'), 'No answer');
      await page.getByTestId('calls-outcome').selectOption('all');

      await page.getByTestId('calls-from').fill('2026-11-10');
      await page.getByTestId('calls-to').fill('2026-11-19');
      await eventually(async () => assert.deepEqual(await page.getByTestId('calls-item').evaluateAll((els) => els.map((e) => e.dataset.sid)), ['CA02', 'CA03', 'CA04']));
      const filter = (await commands(page, 'call_log')).at(-1).filter;
      assert.equal(filter.since, Math.floor(new Date(2026, 10, 10).getTime() / 1000));
      assert.equal(filter.until, Math.floor(new Date(2026, 10, 20).getTime() / 1000), 'the last day is included');
      await page.getByTestId('calls-to').fill('2026-11-01');
      await eventually(async () => assert.match(await text(page, 'calls-problem'), /after/));
      await page.getByTestId('calls-clear').click();
      await eventually(async () => assert.equal(await page.getByTestId('calls-item').count(), 5));

      await page.getByTestId('calls-search').pressSequentially('(415) 555-0101');
      await eventually(async () => assert.equal(await page.getByTestId('calls-item').count(), 2));
      const searches = (await commands(page, 'call_log')).filter((c) => c.filter.number !== null);
      assert.deepEqual(searches.map((c) => c.filter.number), ['4155550101'], 'the search waits for typing to pause, and sends digits');
      await page.getByTestId('calls-search').fill('9999');
      await eventually(async () => assert.equal(await text(page, 'calls-empty'), 'No calls match these filters.'));
      await page.getByTestId('calls-clear').click();

      // A voicemail opens in the inbox; a call back fills the dialer.
      await page.locator('[data-testid="calls-item"][data-sid="CA02"]').click();
      await page.getByTestId('calls-open-voicemail').click();
      await page.getByTestId('view-voicemail').waitFor();
      await eventually(async () => assert.match(await page.getByTestId('voicemail-transcript').innerText(), /boiler/));

      await page.getByTestId('nav-calls').click();
      await page.locator('[data-testid="calls-item"][data-sid="CA05"]').click();
      assert.match(await text(page, 'calls-detail-recording'), /Call recording RE5/);
      await page.getByTestId('calls-callback').click();
      await page.getByTestId('view-dialer').waitFor();
      await eventually(async () => assert.equal(await page.getByTestId('dial-number').inputValue(), '+1 415 555 0101'));
    });
  });

  test('says when there are no calls, and when the log cannot be read', async () => {
    const storage = { code: 'storage', message: 'The local copy could not be read: database is locked. Try again.' };
    await withApp({ calling: { log: [], logErrors: [storage, storage] } }, async (page) => {
      await page.getByTestId('nav-calls').click();
      await eventually(async () => assert.match(await text(page, 'calls-error'), /database is locked/));
      await page.getByTestId('calls-error').getByRole('button', { name: 'Try again' }).click();
      await eventually(async () => assert.match(await text(page, 'calls-empty'), /^No calls yet/));
      assert.equal(await page.getByTestId('calls-error').count(), 0);
      assert.equal(await text(page, 'summary-total'), '0');
    });
  });
});

describe('the Calling card in Settings', () => {
  test('shows the engine and why, checks your phone, and saves each choice', async () => {
    const devices = [
      { deviceId: 'mic-usb', kind: 'audioinput', label: 'USB Headset Microphone', groupId: 'g1' },
      { deviceId: 'spk-usb', kind: 'audiooutput', label: 'USB Headset', groupId: 'g1' },
    ];
    await withApp({ calling: { settings: { engine: 'auto' } } }, async (page) => {
      await page.evaluate((list) => {
        navigator.mediaDevices.enumerateDevices = async () => list.map((d) => ({ ...d, toJSON: () => d }));
      }, devices);
      await page.getByTestId('nav-settings').click();
      const card = page.getByTestId('settings-calling');
      await card.waitFor();
      await eventually(async () => assert.match(await text(page, 'calling-reason'), /^Now: In the app\. Calls use this computer’s microphone/));
      assert.ok(await page.getByTestId('calling-engine-auto').isChecked());

      await page.getByTestId('calling-bridge-phone').fill('555 0100');
      await page.getByTestId('calling-bridge-save').click();
      await eventually(async () => assert.match(await text(page, 'calling-bridge-error'), /^Your phone: "555 0100"/));
      assert.equal(await page.getByTestId('calling-bridge-phone').getAttribute('aria-invalid'), 'true');
      await page.getByTestId('calling-bridge-error').scrollIntoViewIfNeeded();
      await screenshot(page, 'calling-settings-error');
      await page.getByTestId('calling-bridge-phone').fill('+1 415 555 0111');
      await page.getByTestId('calling-bridge-save').click();
      await page.getByTestId('calling-bridge-saved').waitFor();
      assert.equal(await page.getByTestId('calling-bridge-phone').inputValue(), '+14155550111', 'saved as the core stored it');

      await page.getByTestId('calling-ring-bridge').check();
      await page.getByTestId('calling-caller-id').selectOption('+14155550100');
      await page.getByTestId('calling-ringtone').selectOption('pipewire:usb-headset');
      await page.getByTestId('calling-ringtone-play').click();
      await eventually(async () => assert.equal(await text(page, 'calling-ringtone-status'), 'Playing the ringtone on USB Headset.'));

      await eventually(async () => assert.equal(await page.getByTestId('calling-microphone').locator('option').count(), 2));
      await page.getByTestId('calling-microphone').selectOption('mic-usb');
      await page.getByTestId('calling-audio-saved').waitFor();
      await page.getByTestId('calling-speaker').selectOption('spk-usb');
      await eventually(async () => assert.deepEqual(await page.evaluate(() => window.__sdk.device.audio.speakers), ['spk-usb'], 'the SDK plays on the chosen speaker'));

      await page.getByTestId('calling-engine-bridge').check();
      await eventually(async () => assert.match(await text(page, 'calling-reason'), /^Now: Through your phone\. .*as chosen in Settings\./));
      const saves = (await commands(page, 'save_call_settings')).map((a) => a.settings);
      assert.equal(saves.length, 8);
      assert.deepEqual(saves.at(-1), {
        engine: 'bridge', bridge_phone: '+14155550111', ring_bridge_phone: true, caller_id: '+14155550100',
        ringtone_device: 'pipewire:usb-headset', microphone: 'mic-usb', speaker: 'spk-usb', sip_microphone: null, sip_speaker: null,
      });
      await card.scrollIntoViewIfNeeded();
      await screenshot(page, 'calling-settings');
      await page.getByTestId('nav-dialer').click();
      await eventually(async () => assert.match(await text(page, 'dial-engine'), /^Through your phone/));
      await eventually(async () => assert.equal(await page.getByTestId('dial-from').inputValue(), '+14155550100'));
    });
  });
});

describe('calling look', () => {
  test('dark mode, and the smallest window, 760×520', async () => {
    await withApp(
      {},
      async (page) => {
        await page.getByTestId('dial-number').fill('4155550123');
        await screenshot(page, 'calling-dark-dialer');
        await connectedCall(page);
        await page.getByTestId('call-record').click();
        await page.getByTestId('rec-indicator').waitFor();
        await screenshot(page, 'calling-dark-in-call');
      },
      { colorScheme: 'dark' },
    );
    await withApp(
      { calling: { log: [logEntry({ sid: 'CA1' }), logEntry({ sid: 'CA2', outcome: 'missed', duration: 0 })] } },
      async (page) => {
        await page.getByTestId('dial-number').fill('4155550123');
        await screenshot(page, 'calling-small-dialer');
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.equal(await overflow(), 0, 'no horizontal scrolling');
        await page.getByTestId('nav-calls').click();
        await page.getByTestId('calls-item').first().waitFor();
        await screenshot(page, 'calling-small-calls');
        assert.equal(await overflow(), 0, 'no horizontal scrolling');
      },
      { viewport: { width: 760, height: 520 } },
    );
  });
});
