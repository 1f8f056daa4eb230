// The SIP engine in headless Chromium over dist/: the sidebar's SIP line, the engine and its
// devices in Settings, calls ringing the SIP line (answered and declined through the core, from
// the panel and the notification), a SIP call's quality, and calls placed through it. The window
// is WebKitGTK-like (no WebRTC), so Auto picks the SIP line. Run `npm run build` first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appSuite, CONNECTED, eventually, ipcCalls, MAIN_NUMBER, requested, screenshot } from './harness.mjs';

const CALLER = '+14155550177';
const INCOMING = 'CA' + 'a'.repeat(32);
const SECOND = 'CA' + 'c'.repeat(32);
const ADDRESS = 'sip:desktop-4f2a@acme-switchboard.sip.twilio.com';
const REGISTERED = { state: 'registered', address: ADDRESS, reason: null, next_in: null };
const QUALITY = { codec: 'PCMU', encrypted: false, jitter_ms: 3.4, loss_percent: 0.5, rtt_ms: null, delay_ms: 60, mos: 4.32, received: 1500, lost: 8, underruns: 0, concealed: 2 };
/** A desktop with a SIP account, its line registered, Settings on Auto. */
const SIP = { calling: { sip: true, settings: { engine: 'auto' }, line: REGISTERED } };

const open = appSuite();

/** Opens the app on the dialer in a window without WebRTC, runs `body`, then checks no errors were logged and the SDK was never fetched. */
function withApp(scenario, body) {
  return open(
    { ...CONNECTED, ...scenario },
    async (page) => {
      await page.getByTestId('view-dialer').waitFor();
      await body(page);
      const sdk = requested(page).filter((url) => /\/assets\/twilio-[^/]*\.js$/.test(url));
      assert.deepEqual(sdk, [], 'the SIP engine never loads the Voice SDK');
    },
    { webkitgtk: true },
  );
}

const text = async (page, testId) => (await page.getByTestId(testId).innerText()).trim();
const commands = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd).map((c) => c.args);
const controls = async (page) => (await commands(page, 'call_control')).map((a) => a.control);
const ringSip = (page, id) => page.evaluate(([i, from, to]) => void window.__calls.ringSip(i, from, to), [id, CALLER, MAIN_NUMBER]);
const line = (page, status) => page.evaluate((s) => window.__calls.line(s), status);

describe('the sidebar’s SIP line', () => {
  test('shows a registered line with its address, then follows it as it retries, is refused and goes off', async () => {
    await withApp(SIP, async (page) => {
      const sip = page.getByTestId('sip-line');
      await eventually(async () => assert.equal(await sip.getAttribute('data-state'), 'registered'));
      assert.deepEqual(await commands(page, 'sip_line'), [{}], 'read once at start, then followed through sip://line');
      assert.equal(await text(page, 'sip-line-text'), 'SIP line: registered');
      assert.match(await sip.getAttribute('title'), new RegExp(`${ADDRESS}$`), 'the address is in the tooltip');
      await screenshot(page, 'sip-sidebar-line');

      await line(page, { state: 'retrying', address: ADDRESS, reason: 'the registrar did not answer', next_in: 30 });
      await eventually(async () => assert.equal(await sip.getAttribute('data-state'), 'retrying'));
      assert.match(await text(page, 'sip-line-text'), /^SIP line: retrying in (30|29) s — the registrar did not answer$/);
      await screenshot(page, 'sip-sidebar-retrying');

      await line(page, { state: 'refused', address: ADDRESS, reason: 'Twilio refused this desktop’s SIP password: deploy call routing again.', next_in: null });
      await eventually(async () => assert.equal(await text(page, 'sip-line-text'), 'SIP line: refused — Twilio refused this desktop’s SIP password: deploy call routing again.'));

      await line(page, { state: 'off', address: null, reason: 'The SIP line could not start: no network.', next_in: null });
      await eventually(async () => assert.equal(await text(page, 'sip-line-text'), 'SIP line: off — The SIP line could not start: no network.'));
      await line(page, { state: 'off', address: null, reason: null, next_in: null });
      await eventually(async () => assert.equal(await sip.count(), 0, 'nothing to say while the SIP engine is not in use'));
    });
  });

  test('is not shown while the line is off for no reason', async () => {
    await withApp({ calling: { settings: { engine: 'auto' } } }, async (page) => {
      await eventually(async () => assert.deepEqual(await commands(page, 'sip_line'), [{}]));
      assert.equal(await page.getByTestId('sip-line').count(), 0);
    });
  });
});

describe('the Calling card', () => {
  test('offers the SIP engine and its microphone and speaker from the core’s lists', async () => {
    await withApp(SIP, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-calling').waitFor();
      await eventually(async () => assert.match(await text(page, 'calling-reason'), /^Now: In the app \(SIP\)\. Calls use this computer's microphone and speakers through the app's own SIP line: this window has no WebRTC/));
      assert.equal(await text(page, 'calling-engine'), 'In the app (SIP)');
      assert.ok(await page.getByTestId('calling-engine-sip').isEnabled());
      assert.equal(await page.getByTestId('calling-sip-unavailable').count(), 0);
      assert.equal(await page.getByTestId('calling-audio').count(), 0, 'no WebRTC devices in a window without WebRTC');

      // Auto already uses SIP here: its devices are offered from the core's lists.
      const mic = page.getByTestId('calling-sip-microphone');
      await eventually(async () => assert.ok(await mic.isEnabled()));
      assert.deepEqual(await mic.locator('option').allInnerTexts(), ['System default', 'Built-in Audio Analog Stereo (default)', 'USB Headset Microphone']);
      assert.deepEqual(await page.getByTestId('calling-sip-speaker').locator('option').allInnerTexts(), ['System default', 'Built-in Audio Analog Stereo (default)', 'USB Headset', 'HDMI / DisplayPort 1']);
      await mic.selectOption('pipewire:usb-headset-mic');
      await page.getByTestId('calling-sip-audio-saved').waitFor();
      await page.getByTestId('calling-sip-speaker').selectOption('pipewire:usb-headset');
      await page.getByTestId('calling-sip-audio-saved').waitFor();

      await page.getByTestId('calling-engine-sip').check();
      await eventually(async () => assert.match(await text(page, 'calling-reason'), /SIP line, as chosen in Settings\.$/));
      const saves = (await commands(page, 'save_call_settings')).map((a) => a.settings);
      assert.deepEqual(saves.at(-1), {
        engine: 'sip', bridge_phone: '+14155550999', ring_bridge_phone: false, caller_id: null,
        ringtone_device: null, microphone: null, speaker: null, sip_microphone: 'pipewire:usb-headset-mic', sip_speaker: 'pipewire:usb-headset',
      });
      await page.getByTestId('calling-sip-audio').scrollIntoViewIfNeeded();
      await screenshot(page, 'sip-settings');

      await page.getByTestId('nav-dialer').click();
      await eventually(async () => assert.match(await text(page, 'dial-engine'), /^In the app \(SIP\)\s+Calls use .*SIP line, as chosen in Settings\.$/));
    });
  });

  test('without a SIP account, says to deploy call routing and keeps the choice out of reach', async () => {
    await withApp({ calling: { settings: { engine: 'auto' } } }, async (page) => {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-calling').waitFor();
      await eventually(async () => assert.match(await text(page, 'calling-reason'), /^Now: Through your phone\..*no SIP account yet \(deploy call routing in Settings\)\.$/));
      assert.ok(await page.getByTestId('calling-engine-sip').isDisabled());
      assert.match(await text(page, 'calling-sip-unavailable'), /deploy call routing/);
      assert.equal(await page.getByTestId('calling-sip-audio').count(), 0);
      await page.getByTestId('settings-calling').scrollIntoViewIfNeeded();
      await screenshot(page, 'sip-settings-unavailable');
    });
  });
});

describe('calls ringing the SIP line', () => {
  test('are offered with Answer and Decline; Answer goes to the core, then the call shows its quality', async () => {
    await withApp(SIP, async (page) => {
      await ringSip(page, INCOMING);
      await page.getByTestId('incoming-call').waitFor();
      assert.equal(await text(page, 'incoming-remote'), '(415) 555-0177');
      assert.ok(await page.getByTestId('incoming-answer').isVisible());
      assert.ok(await page.getByTestId('incoming-decline').isVisible());
      assert.deepEqual(await commands(page, 'incoming_call'), [], 'the core already tracks it');
      await screenshot(page, 'sip-incoming');

      await page.getByTestId('incoming-answer').click();
      await eventually(async () => assert.deepEqual(await commands(page, 'call_control'), [{ id: INCOMING, control: { action: 'answer' } }]));
      await eventually(async () => assert.equal(await page.getByTestId('in-call').getAttribute('data-phase'), 'in_progress'));
      assert.equal(await page.getByTestId('incoming-call').count(), 0);
      assert.equal(await page.getByTestId('in-call').getAttribute('data-engine'), 'sip');
      assert.equal(await text(page, 'call-engine'), 'In the app (SIP)');

      // Hold and the keypad work on an incoming SIP call, through the core.
      await page.getByTestId('call-hold').click();
      await eventually(async () => assert.equal(await text(page, 'call-phase'), 'On hold'));
      await page.getByTestId('call-hold').click();
      await eventually(async () => assert.match(await text(page, 'call-phase'), /^0:\d\d$/));
      await page.getByTestId('call-keypad').click();
      await page.getByTestId('dtmf-pad').getByTestId('key-5').click();
      await eventually(async () => assert.deepEqual((await controls(page)).slice(1), [{ action: 'hold' }, { action: 'resume' }, { action: 'digits', digits: '5' }]));
      await page.getByTestId('call-keypad').click();

      assert.equal(await page.getByTestId('call-quality').count(), 0, 'no panel before the first measurement');
      await page.evaluate(([id, q]) => window.__calls.change(id, { quality: q }), [INCOMING, QUALITY]);
      await page.getByTestId('call-quality').waitFor();
      assert.equal(await text(page, 'quality-mos'), '4.3 good');
      assert.equal(await text(page, 'quality-jitter'), '3 ms');
      assert.equal(await text(page, 'quality-loss'), '0.5%');
      assert.equal(await text(page, 'quality-rtt'), '— not measured');
      assert.equal(await text(page, 'quality-delay'), '60 ms');
      assert.equal(await text(page, 'quality-codec'), 'PCMU');
      // The far end's first RTCP report brings the round trip.
      await page.evaluate(([id, q]) => window.__calls.change(id, { quality: { ...q, rtt_ms: 23.6, encrypted: true } }), [INCOMING, QUALITY]);
      await page.getByTestId('quality-rtt').filter({ hasText: '24 ms' }).waitFor();
      assert.equal(await text(page, 'quality-codec'), 'PCMU encrypted');
      await screenshot(page, 'sip-in-call-quality');

      await page.evaluate(([id, q]) => window.__calls.change(id, { quality: { ...q, mos: 3.41, loss_percent: 6.25, jitter_ms: 41.7 } }), [INCOMING, QUALITY]);
      await eventually(async () => assert.equal(await text(page, 'quality-mos'), '3.4 poor'));
      assert.equal(await text(page, 'quality-loss'), '6.3%');

      await page.getByTestId('call-hangup').click();
      await eventually(async () => assert.match(await text(page, 'call-phase'), /^Ended: You hung up\.$/));
      assert.deepEqual((await controls(page)).at(-1), { action: 'hangup' });
    });
  });

  test('are declined from the panel, and answered or declined from the notification', async () => {
    await withApp(SIP, async (page) => {
      await ringSip(page, INCOMING);
      await page.getByTestId('incoming-decline').click();
      await eventually(async () => assert.equal(await page.getByTestId('incoming-call').count(), 0));
      assert.deepEqual(await commands(page, 'call_control'), [{ id: INCOMING, control: { action: 'hangup' } }]);

      await ringSip(page, SECOND);
      await page.getByTestId('incoming-call').waitFor();
      await page.evaluate((sid) => window.__ipc.emit('call://answer', sid), SECOND);
      await eventually(async () => assert.equal(await page.getByTestId('in-call').getAttribute('data-phase'), 'in_progress'));
      assert.deepEqual((await commands(page, 'call_control')).at(-1), { id: SECOND, control: { action: 'answer' } });

      // A third while on the second: it can be held first, as it is on the SIP line.
      const third = 'CA' + 'd'.repeat(32);
      await ringSip(page, third);
      await page.getByTestId('second-call').waitFor();
      assert.ok(await page.getByTestId('second-hold-answer').isVisible());
      assert.ok(await page.getByTestId('second-end-answer').isVisible());
      await page.evaluate((sid) => window.__ipc.emit('call://decline', sid), third);
      await eventually(async () => assert.equal(await page.getByTestId('second-call').count(), 0));
      assert.deepEqual((await commands(page, 'call_control')).at(-1), { id: third, control: { action: 'hangup' } });
      assert.equal(await page.getByTestId('in-call').getAttribute('data-phase'), 'in_progress', 'the current call goes on');
    });
  });
});

describe('calls placed through the SIP line', () => {
  test('go to the core with the SIP engine, and are controlled through it', async () => {
    await withApp(SIP, async (page) => {
      await eventually(async () => assert.match(await text(page, 'dial-engine'), /^In the app \(SIP\)\s+Calls use this computer's microphone and speakers through the app's own SIP line/));
      assert.equal(await page.getByTestId('dial-device').count(), 0, 'no Voice SDK device to report on');
      await page.getByTestId('dial-number').fill('4155550123');
      await page.getByTestId('dial-call').click();
      await page.getByTestId('in-call').waitFor();
      assert.deepEqual(await commands(page, 'start_call'), [{ request: { to: '4155550123', country: 'US', from: MAIN_NUMBER, engine: 'sip' } }]);
      assert.equal(await text(page, 'call-engine'), 'In the app (SIP)');
      await page.evaluate(() => window.__calls.change(window.__calls.latest().id, { phase: 'in_progress', answered_at: Date.now() }));
      await page.getByTestId('call-mute').click();
      await eventually(async () => assert.equal(await page.getByTestId('call-mute').getAttribute('aria-pressed'), 'true'));
      assert.deepEqual(await controls(page), [{ action: 'mute', on: true }]);
    });
  });
});
