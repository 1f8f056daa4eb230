// Over 600 lines: the dialer is one state machine and its tests follow it engine by engine; the fakes and fixtures are apart (test/).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallSetup } from './bindings';
import { phaseLabel } from './call-display';
import { detectCapabilities, Dialer, DIGIT_GAP_MS, LINGER_MS, type DialerState, type LiveCall } from './dialer';
import { FakeCore } from '../../test/fakes/core';
import { Device as FakeDevice, ERRORS, fakeSdk, lastDevice } from '../../test/fakes/voice-sdk';
import { callView, OWN_NUMBER, REMOTE, setupFor } from '../../test/fixtures';

const WEBRTC = { webrtc: true, microphone: true };
const WEBKITGTK = { webrtc: false, microphone: true };
const CALLER = '+14155550177';
const INCOMING_SID = 'CA' + 'a'.repeat(32);
const SDK_LEG = 'CA' + 'b'.repeat(32);

/** Lets promises and queued microtasks run (timers stay fake). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function harness(setup: CallSetup) {
  const core = new FakeCore(setup);
  const sdk = vi.fn(fakeSdk());
  const dialer = new Dialer({ invoke: core.invoke, sdk });
  core.publish = (view) => dialer.coreState(view);
  let state!: DialerState;
  dialer.subscribe((s) => (state = s));
  return { core, sdk, dialer, now: () => state };
}

/** A dialer started in a window with WebRTC, its SDK device registered. */
async function started(setup = setupFor('webview')) {
  const h = harness(setup);
  await h.dialer.start(WEBRTC);
  await settle();
  return { ...h, device: lastDevice() };
}

const label = (call: LiveCall | null) => (call ? phaseLabel(call, Date.now()) : null);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(new Date('2026-11-23T14:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('capabilities', () => {
  it('are detected from the window, not assumed from the OS', () => {
    expect(detectCapabilities({ RTCPeerConnection: class {}, navigator: { mediaDevices: { getUserMedia: () => {} } } })).toEqual(WEBRTC);
    // WebKitGTK: no RTCPeerConnection, so the core picks the bridge engine.
    expect(detectCapabilities({ navigator: { mediaDevices: { getUserMedia: () => {} } } })).toEqual(WEBKITGTK);
    expect(detectCapabilities({ RTCPeerConnection: class {}, navigator: {} })).toEqual({ webrtc: true, microphone: false });
  });
});

describe('the bridge engine', () => {
  it('keeps the newest state when start_call answers after the call has moved on', async () => {
    const { core, dialer, now } = harness(setupFor('bridge'));
    await dialer.start(WEBKITGTK);
    core.progressBeforeAnswer = { phase: 'calling_you', you_sid: 'CA1' };
    expect(await dialer.dial('(415) 555-0123', 'US', OWN_NUMBER)).toBe(true);
    expect(now().current!.view.revision).toBe(1);
    expect(label(now().current), 'the older answer does not undo the event').toBe('Ringing your phone…');
  });

  it('a call that ends before start_call answers, its first event lost, still shows how it ended', async () => {
    const { core, dialer, now } = harness(setupFor('sip'));
    await dialer.start(WEBKITGTK);
    // Events can reach the window in any order with the command's answer: here the ended one
    // comes first and the placing one never does.
    core.publish = (view) => {
      if (view.phase !== 'placing') dialer.coreState(view);
    };
    core.progressBeforeAnswer = { phase: 'ended', end_reason: "Twilio could not reach the app's SIP line: no route." };
    expect(await dialer.dial('(415) 555-0123', 'US', OWN_NUMBER)).toBe(true);
    expect(label(now().current)).toBe("Ended: Twilio could not reach the app's SIP line: no route.");
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(now().current).toBeNull();
    expect(now().outcome?.reason).toMatch(/could not reach/);
  });

  it('follows the core from placing to ended, then gives the dialer back with the outcome', async () => {
    const { core, sdk, dialer, now } = harness(setupFor('bridge'));
    await dialer.start(WEBKITGTK);
    expect(core.sent('call_setup')).toEqual([{ capabilities: WEBKITGTK }]);
    expect(sdk, 'the SDK chunk is never loaded for the bridge engine').not.toHaveBeenCalled();

    expect(await dialer.dial('(415) 555-0123', 'US', OWN_NUMBER)).toBe(true);
    expect(core.sent('start_call')).toEqual([{ request: { to: '4155550123', country: 'US', from: OWN_NUMBER, engine: 'bridge' } }]);
    const id = now().current!.view.id;
    expect(label(now().current)).toBe('Connecting…');

    core.change(id, { phase: 'calling_you', you_sid: 'CA1' });
    expect(label(now().current)).toBe('Ringing your phone…');
    core.change(id, { phase: 'ringing', them_sid: 'CA2' });
    expect(label(now().current)).toBe('Ringing…');
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    vi.setSystemTime(Date.now() + 65_000);
    expect(label(now().current)).toBe('1:05');
    core.change(id, { notice: 'Lost contact with Twilio (timed out); retrying.' });
    expect(now().current!.view.notice).toMatch(/retrying/);

    core.end(id, 'They hung up.');
    expect(label(now().current)).toBe('Ended: They hung up.');
    expect(core.controls(), 'a call the core ended is not hung up again').toEqual([]);

    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(now().current).toBeNull();
    expect(now().outcome).toEqual({ remote_display: '(415) 555-0123', reason: 'They hung up.' });
    expect(FakeDevice.instances).toEqual([]);
  });

  it('refuses to dial while no bridge phone is set, pointing at Settings', async () => {
    const setup = setupFor('bridge');
    setup.choice.blocker = 'Set your own phone number in Settings, under Calling: Twilio rings it first, then connects the call.';
    const { core, dialer, now } = harness(setup);
    await dialer.start(WEBKITGTK);
    expect(await dialer.dial('4155550123', 'US', OWN_NUMBER)).toBe(false);
    expect(now().dialError).toMatchObject({ settings: true, message: setup.choice.blocker });
    expect(core.sent('start_call')).toEqual([]);
  });

  it('puts the core’s messages on the field they are about', async () => {
    const { dialer, now } = harness(setupFor('bridge'));
    await dialer.start(WEBKITGTK);
    await dialer.dial('415', 'US', OWN_NUMBER);
    expect(now().dialError).toMatchObject({ field: 'number', code: 'invalid_input' });
    expect(now().dialError!.message).toMatch(/^Number: "415" is too short/);
    await dialer.dial('4155550123', 'US', '+18005550100');
    expect(now().dialError).toMatchObject({ field: 'caller_id', settings: false });
    expect(now().dialError!.message).toMatch(/not one of this account's voice numbers/);
    await dialer.dial('  ', 'US', OWN_NUMBER);
    expect(now().dialError!.field).toBe('number');
    expect(now().current).toBeNull();
  });

  it('sends keypad digits typed together as one request, after a short pause', async () => {
    const { core, dialer, now } = harness(setupFor('bridge'));
    await dialer.start(WEBKITGTK);
    await dialer.dial('4155550123', 'US', OWN_NUMBER);
    const id = now().current!.view.id;
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    for (const key of '12#') dialer.press(id, key);
    expect(core.controls()).toEqual([]);
    await vi.advanceTimersByTimeAsync(DIGIT_GAP_MS);
    expect(core.sent('call_control')).toEqual([{ id, control: { action: 'digits', digits: '12#' } }]);
    expect(now().current!.digits).toBe('12#');
  });
});

describe('controls', () => {
  async function connectedBridgeCall() {
    const h = harness(setupFor('bridge'));
    await h.dialer.start(WEBKITGTK);
    await h.dialer.dial('4155550123', 'US', OWN_NUMBER);
    const id = h.now().current!.view.id;
    return { ...h, id };
  }

  it('a refused control keeps the call as it was and says why', async () => {
    const { core, dialer, now, id } = await connectedBridgeCall();
    core.change(id, { phase: 'ringing' });
    expect(await dialer.control(id, { action: 'hold' })).toBe(false);
    expect(now().current!.error).toBe('You can hold once the other party has answered.');
    expect(now().current!.view.on_hold).toBe(false);
    expect(now().current!.pending).toBeNull();

    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    core.fail('call_control:mute', { code: 'twilio', message: 'Twilio could not mute the call (HTTP 500). Try again.' });
    expect(await dialer.control(id, { action: 'mute', on: true })).toBe(false);
    expect(now().current!.view.muted).toBe(false);
    expect(now().current!.error).toMatch(/could not mute/);

    expect(await dialer.control(id, { action: 'mute', on: true })).toBe(true);
    expect(now().current!.view.muted).toBe(true);
    expect(now().current!.error, 'a control that works clears the last failure').toBeNull();
  });

  it('hold, resume, recording and transfer follow the core', async () => {
    const { core, dialer, now, id } = await connectedBridgeCall();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    await dialer.control(id, { action: 'hold' });
    expect(label(now().current)).toBe('On hold');
    await dialer.control(id, { action: 'resume' });
    expect(now().current!.view.on_hold).toBe(false);
    await dialer.control(id, { action: 'start_recording' });
    expect(now().current!.view.recording).toBe('on');
    await dialer.control(id, { action: 'pause_recording' });
    expect(now().current!.view.recording).toBe('paused');
    await dialer.control(id, { action: 'stop_recording' });
    expect(now().current!.view.recording).toBe('off');
    await dialer.control(id, { action: 'transfer', to: '4155550188', country: 'US' });
    expect(label(now().current)).toBe('Ended: Transferred to (415) 555-0188.');
  });

  it('a late answer to a control does not bring an ended call back', async () => {
    const { core, dialer, now, id } = await connectedBridgeCall();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    const stale = { ...core.views.get(id)!, on_hold: true };
    const holding = dialer.control(id, { action: 'hold' });
    core.end(id, 'They hung up.');
    await holding;
    dialer.coreState(stale);
    expect(now().current!.view.phase).toBe('ended');
    expect(now().current!.endReason).toBe('They hung up.');
  });

  it('hanging up ends the call; a call the core has lost is shown ended anyway', async () => {
    const { core, dialer, now, id } = await connectedBridgeCall();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    core.views.delete(id); // The core restarted and forgot it.
    await dialer.hangup(id);
    expect(now().current!.view.phase).toBe('ended');
    expect(now().current!.endReason).toMatch(/no live call/);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(now().current).toBeNull();
  });
});

describe('the webview engine', () => {
  async function connectedCall() {
    const h = await started();
    await h.dialer.dial('4155550123', 'US', OWN_NUMBER);
    const call = h.device.outgoing[0]!;
    const id = h.now().current!.view.id;
    return { ...h, call, id };
  }

  it('creates one registered device with a core token, the SDK’s own ringtone off', async () => {
    const { core, sdk, device, now } = await started();
    expect(sdk).toHaveBeenCalledTimes(1);
    expect(FakeDevice.instances).toHaveLength(1);
    expect(device.token).toBe('jwt-1');
    expect(device.options).toEqual({ allowIncomingWhileBusy: true, closeProtection: true, codecPreferences: ['opus', 'pcmu'] });
    expect(device.audio.incomingSound, 'Rust plays the ringtone on the chosen output').toBe(false);
    expect(device.state).toBe('registered');
    expect(now().device).toBe('registered');
    expect(core.sent('voice_token')).toHaveLength(1);
  });

  it('renews the token on tokenWillExpire, and after it expired', async () => {
    const { core, device } = await started();
    device.expireSoon();
    await settle();
    expect(device.tokens).toEqual(['jwt-1', 'jwt-2']);
    device.fail(ERRORS.tokenExpired());
    await settle();
    expect(device.tokens).toEqual(['jwt-1', 'jwt-2', 'jwt-3']);
    expect(core.sent('voice_token')).toHaveLength(3);
  });

  it('says so when the token cannot be renewed', async () => {
    const { core, device, now } = await started();
    core.fail('voice_token', { code: 'network', message: 'Could not reach api.twilio.com.' });
    device.expireSoon();
    await settle();
    expect(now().deviceError).toBe('Could not renew the app’s calling token: Could not reach api.twilio.com.');
  });

  it('connects the SDK to the call’s conference, attaches its leg, then follows the core to the end', async () => {
    const { core, dialer, now, call, id } = await connectedCall();
    expect(core.sent('start_call')[0]!.request.engine).toBe('webview');
    expect(call.params).toEqual({ Room: id });
    expect(label(now().current)).toBe('Connecting…');

    call.ring();
    call.answered(SDK_LEG);
    await settle();
    expect(core.sent('attach_call')).toEqual([{ id, call_sid: SDK_LEG }]);
    expect(now().current!.view.you_sid).toBe(SDK_LEG);

    core.change(id, { phase: 'ringing', them_sid: 'CA2' });
    expect(label(now().current)).toBe('Ringing…');
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    expect(label(now().current)).toBe('0:00');

    await dialer.control(id, { action: 'mute', on: true });
    expect(call.muted, 'the window’s own microphone is muted too').toBe(true);
    expect(now().current!.view.muted).toBe(true);

    core.end(id, 'They hung up.');
    expect(call.status(), 'the window leaves a call the core ended').toBe('closed');
    await settle();
    expect(core.controls()).toEqual(['mute']);
    expect(label(now().current)).toBe('Ended: They hung up.');
  });

  it('an SDK error mid-call ends the call, tells the core, and shows the error', async () => {
    const { core, now, call, id } = await connectedCall();
    call.answered(SDK_LEG);
    await settle();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    call.fail(ERRORS.mediaFailed());
    await settle();
    expect(core.controls(), 'one report that the window’s leg is gone, not one per event').toEqual(['left']);
    expect(label(now().current)).toBe('Ended: The call’s audio could not get through: a firewall or the network may be blocking it (Twilio error 53405).');
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(now().outcome!.reason).toMatch(/53405/);
  });

  it('a microphone the system refuses ends the call with a clear message', async () => {
    const { core, now, call } = await connectedCall();
    call.emit('error', ERRORS.permissionDenied());
    await settle();
    expect(core.controls()).toEqual(['left']);
    expect(now().current!.endReason).toMatch(/may not use the microphone.*31401/);
  });

  it('an SDK disconnect it did not ask for is reported to the core', async () => {
    const { core, call, id } = await connectedCall();
    call.answered(SDK_LEG);
    await settle();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    call.remoteHangup();
    await settle();
    expect(core.controls(), 'the core says who ended it').toEqual(['left']);
  });

  it('hanging up sends one hangup and closes the SDK call', async () => {
    const { core, dialer, call, id } = await connectedCall();
    call.answered(SDK_LEG);
    await settle();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    await dialer.hangup(id);
    await settle();
    expect(call.status()).toBe('closed');
    expect(core.controls()).toEqual(['hangup']);
  });

  it('shows reconnecting and quality warnings while they last', async () => {
    const { core, now, call, id } = await connectedCall();
    call.answered(SDK_LEG);
    await settle();
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    call.reconnecting();
    expect(now().current!.reconnecting).toBe(true);
    call.reconnected();
    expect(now().current!.reconnecting).toBe(false);
    call.warn('high-rtt');
    call.warn('high-packet-loss');
    call.warn('high-rtt');
    expect(now().current!.warnings.map((w) => w.text)).toEqual([
      'Long delay on the line: you may talk over each other.',
      'Audio is dropping out: the network is losing data.',
    ]);
    call.clearWarning('high-rtt');
    expect(now().current!.warnings.map((w) => w.name)).toEqual(['high-packet-loss']);
  });

  it('uses the microphone and speaker chosen in Settings', async () => {
    const setup = setupFor('webview');
    setup.settings.microphone = 'mic-usb';
    setup.settings.speaker = 'spk-usb';
    const { dialer, device } = await started(setup);
    expect(device.audio.speakers).toEqual(['spk-usb']);
    await dialer.dial('4155550123', 'US', OWN_NUMBER);
    expect(device.audio.input).toBe('mic-usb');
  });

  it('a device that cannot register stops dialing with its reason', async () => {
    const core = new FakeCore(setupFor('webview'));
    core.fail('voice_token', { code: 'not_configured', message: 'Calling in the app needs call routing: deploy it in Settings, under Call routing.' });
    const dialer = new Dialer({ invoke: core.invoke, sdk: fakeSdk() });
    let state!: DialerState;
    dialer.subscribe((s) => (state = s));
    await dialer.start(WEBRTC);
    await settle();
    expect(state.device).toBe('failed');
    core.fail('voice_token', { code: 'not_configured', message: 'Calling in the app needs call routing: deploy it in Settings, under Call routing.' });
    expect(await dialer.dial('4155550123', 'US', OWN_NUMBER)).toBe(false);
    expect(state.dialError).toMatchObject({ settings: true });
    expect(state.dialError!.message).toMatch(/needs call routing/);
    expect(core.sent('start_call')).toEqual([]);
  });
});

describe('incoming calls', () => {
  async function ringing() {
    const h = await started();
    const call = h.device.ring(INCOMING_SID, CALLER, OWN_NUMBER);
    await settle();
    return { ...h, call };
  }

  it('are reported to the core and offered', async () => {
    const { core, now } = await ringing();
    expect(core.sent('incoming_call')).toEqual([{ call_sid: INCOMING_SID, from: CALLER, to: OWN_NUMBER }]);
    expect(now().ringing.map((c) => c.view.remote_display)).toEqual(['(415) 555-0177']);
    expect(now().current).toBeNull();
  });

  it('answering accepts in the SDK; the core then says it is in progress', async () => {
    const { core, dialer, now, call } = await ringing();
    await dialer.answer(INCOMING_SID);
    expect(call.status()).not.toBe('pending');
    expect(now().ringing).toEqual([]);
    expect(label(now().current)).toBe('Connecting…');
    core.change(INCOMING_SID, { phase: 'in_progress', answered_at: Date.now() });
    expect(label(now().current)).toBe('0:00');
    dialer.press(INCOMING_SID, '5');
    await settle();
    expect(call.sent, 'digits of an incoming call go through the SDK').toEqual(['5']);
    expect(core.controls()).toEqual([]);
  });

  it('declining rejects in the SDK and tells the core (the caller goes to voicemail)', async () => {
    const { core, dialer, now, call } = await ringing();
    const rejected = vi.fn();
    call.on('reject', rejected);
    await dialer.decline(INCOMING_SID);
    expect(rejected).toHaveBeenCalledOnce();
    expect(core.sent('call_control')).toEqual([{ id: INCOMING_SID, control: { action: 'hangup' } }]);
    expect(now().ringing).toEqual([]);
    expect(now().current).toBeNull();
  });

  it('a caller who gives up is no longer offered, and the ringtone is stopped', async () => {
    const { core, now, call } = await ringing();
    call.cancel();
    await settle();
    expect(now().ringing).toEqual([]);
    expect(core.controls(), 'telling the core stops its ringtone at once').toEqual(['left']);
    expect(core.sent('call_control')).toEqual([
      { id: INCOMING_SID, control: { action: 'left', reason: 'Missed: the caller hung up before it was answered.' } },
    ]);
  });

  it('a cancel that comes before the core answered is still handled', async () => {
    const h = await started();
    const call = h.device.ring(INCOMING_SID, CALLER, OWN_NUMBER);
    call.cancel();
    await settle();
    expect(h.core.calls.map((c) => c.cmd).slice(-2)).toEqual(['incoming_call', 'call_control']);
    expect(h.now().ringing).toEqual([]);
  });

  it('the notification’s Answer answers at once when no other call is live', async () => {
    const { dialer, now, call } = await ringing();
    await dialer.answerFromNotification(INCOMING_SID);
    expect(call.status()).not.toBe('pending');
    expect(now().current!.view.id).toBe(INCOMING_SID);
  });
});

describe('a second call while busy', () => {
  async function busy() {
    const h = await started();
    const { device } = h;
    await h.dialer.dial('4155550123', 'US', OWN_NUMBER);
    const first = device.outgoing[0]!;
    const id = h.now().current!.view.id;
    first.answered(SDK_LEG);
    await settle();
    h.core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    const second = device.ring(INCOMING_SID, CALLER, OWN_NUMBER);
    await settle();
    return { ...h, first, second, id };
  }

  it('is offered without touching the current call', async () => {
    const { now, id, second } = await busy();
    expect(now().current!.view.id).toBe(id);
    expect(now().ringing.map((c) => c.view.id)).toEqual([INCOMING_SID]);
    expect(second.status()).toBe('pending');
  });

  it('Hold & answer holds the current call first', async () => {
    const { core, dialer, now, id, second, first } = await busy();
    await dialer.holdAndAnswer(INCOMING_SID);
    expect(core.sent('call_control')).toEqual([{ id, control: { action: 'hold' } }]);
    expect(second.status()).not.toBe('pending');
    expect(now().current!.view.id).toBe(INCOMING_SID);
    expect(now().others.map((c) => [c.view.id, c.view.on_hold])).toEqual([[id, true]]);
    expect(first.status(), 'the held call stays connected').toBe('open');
  });

  it('nothing is answered when the hold fails', async () => {
    const { core, dialer, now, id, second } = await busy();
    core.fail('call_control:hold', { code: 'twilio', message: 'Twilio could not hold the call (HTTP 500).' });
    await dialer.holdAndAnswer(INCOMING_SID);
    expect(second.status()).toBe('pending');
    expect(now().current!.view.id).toBe(id);
    expect(now().ringing[0]!.error).toMatch(/could not be put on hold.*HTTP 500/);
  });

  it('End & answer hangs up the current call, then answers', async () => {
    const { core, dialer, now, id, first, second } = await busy();
    await dialer.endAndAnswer(INCOMING_SID);
    expect(core.sent('call_control')).toEqual([{ id, control: { action: 'hangup' } }]);
    expect(first.status()).toBe('closed');
    expect(second.status()).not.toBe('pending');
    expect(now().current!.view.id).toBe(INCOMING_SID);
    expect(now().others).toEqual([]);
  });

  it('Decline sends it to voicemail and keeps the current call', async () => {
    const { core, dialer, now, id } = await busy();
    await dialer.decline(INCOMING_SID);
    expect(core.sent('call_control')).toEqual([{ id: INCOMING_SID, control: { action: 'hangup' } }]);
    expect(now().current!.view.id).toBe(id);
    expect(now().ringing).toEqual([]);
  });

  it('the notification’s Answer holds a call that can be held', async () => {
    const { core, dialer, second } = await busy();
    await dialer.answerFromNotification(INCOMING_SID);
    expect(core.controls()).toEqual(['hold']);
    expect(second.status()).not.toBe('pending');
  });
});

describe('the SIP engine', () => {
  const SIP_CALL = 'CA' + 'e'.repeat(32);

  /** A dialer in a WebKitGTK window on a desktop with a SIP account: the core's SIP line carries calls. */
  async function sip() {
    const h = harness(setupFor('sip'));
    await h.dialer.start(WEBKITGTK);
    return h;
  }

  /** A SIP call ringing the app, as the core publishes it. */
  async function sipRinging() {
    const h = await sip();
    h.core.ringSip(SIP_CALL, CALLER);
    await settle();
    return h;
  }

  it('places calls through the core, never loading the SDK, and mutes through the core', async () => {
    const { core, sdk, dialer, now } = await sip();
    expect(await dialer.dial('(415) 555-0123', 'US', OWN_NUMBER)).toBe(true);
    expect(core.sent('start_call')).toEqual([{ request: { to: '4155550123', country: 'US', from: OWN_NUMBER, engine: 'sip' } }]);
    const id = now().current!.view.id;
    core.change(id, { phase: 'in_progress', answered_at: Date.now() });
    await dialer.control(id, { action: 'mute', on: true });
    expect(now().current!.view.muted).toBe(true);
    expect(core.controls()).toEqual(['mute']);
    expect(sdk, 'the SIP engine needs no Voice SDK').not.toHaveBeenCalled();
    expect(now().device).toBe('off');
  });

  it('offers a call ringing the SIP line, though the window’s SDK never saw it', async () => {
    const { core, now } = await sipRinging();
    expect(now().ringing.map((c) => [c.view.id, c.view.engine, c.local])).toEqual([[SIP_CALL, 'sip', false]]);
    expect(now().current).toBeNull();
    expect(core.sent('incoming_call'), 'the core tracks it already').toEqual([]);
  });

  it('answers through the core, connects, then holds and sends each digit at once through the core', async () => {
    const { core, dialer, now } = await sipRinging();
    await dialer.answer(SIP_CALL);
    expect(core.sent('call_control')).toEqual([{ id: SIP_CALL, control: { action: 'answer' } }]);
    expect(now().ringing).toEqual([]);
    expect(now().current!.view.id).toBe(SIP_CALL);
    expect(label(now().current), 'the core opens the devices, then says it is in progress').toBe('Connecting…');

    core.change(SIP_CALL, { phase: 'in_progress', answered_at: Date.now() });
    expect(label(now().current)).toBe('0:00');
    expect(await dialer.control(SIP_CALL, { action: 'hold' })).toBe(true);
    expect(label(now().current)).toBe('On hold');
    await dialer.control(SIP_CALL, { action: 'resume' });
    dialer.press(SIP_CALL, '4');
    dialer.press(SIP_CALL, '2');
    await settle();
    expect(core.sent('call_control').slice(-2).map((a) => a.control), 'not gathered: the line sends tones as typed').toEqual([
      { action: 'digits', digits: '4' },
      { action: 'digits', digits: '2' },
    ]);
    expect(now().current!.digits).toBe('42');
  });

  it('a refused answer leaves the call ringing, saying why', async () => {
    const { core, dialer, now } = await sipRinging();
    core.fail('call_control:answer', { code: 'invalid_input', message: 'This call is not ringing any more.' });
    await dialer.answer(SIP_CALL);
    expect(now().current).toBeNull();
    expect(now().ringing.map((c) => [c.view.id, c.answering, c.error])).toEqual([[SIP_CALL, false, 'This call is not ringing any more.']]);
  });

  it('Decline, and the notification’s Answer and Decline, go to the core', async () => {
    const { core, dialer, now } = await sipRinging();
    await dialer.decline(SIP_CALL);
    expect(core.sent('call_control')).toEqual([{ id: SIP_CALL, control: { action: 'hangup' } }]);
    expect(now().ringing).toEqual([]);

    const second = 'CA' + 'f'.repeat(32);
    core.ringSip(second, CALLER);
    await dialer.answerFromNotification(second);
    expect(core.sent('call_control').at(-1)).toEqual({ id: second, control: { action: 'answer' } });
    expect(now().current!.view.id).toBe(second);

    const third = 'CA' + '9'.repeat(32);
    core.ringSip(third, CALLER);
    await dialer.decline(third);
    expect(core.sent('call_control').at(-1)).toEqual({ id: third, control: { action: 'hangup' } });
  });

  it('the notification’s Answer holds a SIP call in progress first', async () => {
    const { core, dialer, now } = await sipRinging();
    await dialer.answer(SIP_CALL);
    core.change(SIP_CALL, { phase: 'in_progress', answered_at: Date.now() });
    const second = 'CA' + 'f'.repeat(32);
    core.ringSip(second, CALLER);
    await dialer.answerFromNotification(second);
    expect(core.controls()).toEqual(['answer', 'hold', 'answer']);
    expect(now().current!.view.id).toBe(second);
    expect(now().others.map((c) => [c.view.id, c.view.on_hold])).toEqual([[SIP_CALL, true]]);
  });
});

describe('after a reload', () => {
  it('shows the call the core still has in progress', async () => {
    const active = callView({ phase: 'in_progress', answered_at: Date.now() - 5000, you_sid: 'CA1', them_sid: 'CA2' });
    const { dialer, now } = harness(setupFor('bridge', { active: [active] }));
    await dialer.start(WEBKITGTK);
    expect(now().current!.view.id).toBe(active.id);
    expect(label(now().current)).toBe('0:05');
    expect(now().current!.view.remote).toBe(REMOTE);
  });
});

describe('switching engines', () => {
  it('stops the SDK device for the bridge engine, but not under a live call', async () => {
    const h = await started();
    const { device } = h;
    await h.dialer.dial('4155550123', 'US', OWN_NUMBER);
    const id = h.now().current!.view.id;
    h.core.setup = setupFor('bridge');
    await h.dialer.refresh();
    expect(device.state, 'the call in the window keeps its device').toBe('registered');
    h.core.end(id, 'They hung up.');
    await settle();
    expect(device.state).toBe('destroyed');
    expect(h.now().device).toBe('off');
  });
});
