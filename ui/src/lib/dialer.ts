// Over 600 lines: one state machine (every call, its engine and its controls) that reads best whole; its pure helpers are already apart.
/**
 * The window's calls: placing them, answering them, their controls, and what the in-call screen,
 * the incoming-call panel and the dialer show. Driven by the core's `CallView`s (command results
 * and `call://state`) and, for the webview engine, by the Voice SDK's events through
 * {@link VoiceLine}. The bridge and SIP engines are the core's alone: their calls, incoming SIP
 * calls included, arrive as `call://state` and every control is a `call_control`. No Svelte and no Tauri here: the commands come in as {@link Invoke}, the
 * state goes out through a store contract (`subscribe`), so the unit tests drive it all.
 *
 * What holds: an ended call stays ended (a late command result cannot bring it back); the window
 * never leaves a call it thinks is live without telling the core (`hangup`); a control that fails
 * leaves the call as the core last described it and says why.
 */
import type { CallControl, CallSetup, CallView, Capabilities, Commands, IpcError } from './bindings';
import { canAnswer, canHold, onSipLine, qualityText } from './call-display';
import { cleanNumber } from './dial-number';
import { sdkErrorMessage, VoiceLine, type SdkError, type VoiceCall, type VoiceSdk } from './voice';

/** A typed command call, as `backend.call` is. Rejects with an {@link IpcError}. */
export type Invoke = <K extends keyof Commands>(cmd: K, args: Commands[K]['args']) => Promise<Commands[K]['returns']>;

/** How long an ended call stays on the in-call screen before the dialer comes back. */
export const LINGER_MS = 4000;

/** Touch tones typed within this long of each other go to the core as one request (bridge and outbound calls). */
export const DIGIT_GAP_MS = 700;

/** What the window can do, found out by feature detection (never from the OS). */
export function detectCapabilities(w: { RTCPeerConnection?: unknown; navigator?: { mediaDevices?: { getUserMedia?: unknown } } }): Capabilities {
  return {
    webrtc: typeof w.RTCPeerConnection === 'function',
    microphone: typeof w.navigator?.mediaDevices?.getUserMedia === 'function',
  };
}

/** A call-quality warning the SDK raised and has not cleared. */
export interface QualityWarning {
  name: string;
  text: string;
}

/** One call as the window shows it. */
export interface LiveCall {
  /** The core's latest word on it. */
  view: CallView;
  /** The user answered in the window and it is connecting. */
  answering: boolean;
  /** How it ended: the window's words when it knew first (an SDK error, a caller who gave up), else the core's. */
  endReason: string | null;
  /** Quality warnings now. */
  warnings: QualityWarning[];
  /** The SDK is restoring the media connection. */
  reconnecting: boolean;
  /** Why the last control failed. */
  error: string | null;
  /** The control being applied. */
  pending: CallControl['action'] | null;
  /** Touch tones sent on this call. */
  digits: string;
  /** The window's SDK carries it (it can be answered here; digits on incoming calls go through it). */
  local: boolean;
}

/** Why a call could not be placed, and which field it is about. */
export interface DialError {
  code: IpcError['code'];
  message: string;
  /** `number` or `caller_id` when the message is about that field. */
  field: 'number' | 'caller_id' | null;
  /** The fix is in Settings. */
  settings: boolean;
}

/** How the last call the in-call screen showed went, for the dialer. */
export interface Outcome {
  remote_display: string;
  reason: string;
}

/** The webview engine's device. */
export type DeviceState = 'off' | 'loading' | 'registering' | 'registered' | 'unregistered' | 'failed';

export interface DialerState {
  setup: CallSetup | null;
  setupError: IpcError | null;
  device: DeviceState;
  /** Why the device failed or is unregistered. */
  deviceError: string | null;
  /** A `start_call` is under way. */
  placing: boolean;
  dialError: DialError | null;
  /** The call the in-call screen shows (live, or ended and lingering). */
  current: LiveCall | null;
  /** Incoming calls not answered yet: the incoming panel, or the second-call banner while `current` is live. */
  ringing: LiveCall[];
  /** Other live calls (one put on hold to answer another). */
  others: LiveCall[];
  outcome: Outcome | null;
}

interface Entry extends LiveCall {
  sdk: VoiceCall | null;
  /** The core knows the call (incoming: once `incoming_call` answered). */
  ready: Promise<void>;
  /** A hang-up is on its way to the core: SDK events that follow it are expected. */
  ending: boolean;
  /** Digits waiting to be sent. */
  queued: string;
  digitTimer: ReturnType<typeof setTimeout> | undefined;
  lingerTimer: ReturnType<typeof setTimeout> | undefined;
}

export interface DialerOptions {
  invoke: Invoke;
  /** The SDK module loader (the real one by default; tests pass a fake). */
  sdk?: () => Promise<VoiceSdk>;
}

/** Where a message from the core points: `Number: …` is about the number, `Caller ID: …` about the caller ID. */
export function dialError(error: IpcError): DialError {
  const field = /^(Number|Transfer to):/.test(error.message) ? 'number' : /^Caller ID:/.test(error.message) ? 'caller_id' : null;
  return { code: error.code, message: error.message, field, settings: field === null && /\bSettings\b/.test(error.message) };
}

function messageOf(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as IpcError).message === 'string' ? (e as IpcError).message : String(e);
}

export class Dialer {
  private readonly invoke: Invoke;
  private readonly voice: VoiceLine;
  private readonly entries = new Map<string, Entry>();
  /**
   * Calls that ended before the window knew them: a call placed can fail before `start_call`
   * answers (Twilio refusing the first leg at once), and its answer must not bring it back.
   */
  private readonly endedUnseen = new Map<string, CallView>();
  private readonly listeners = new Set<(state: DialerState) => void>();
  private capabilities: Capabilities = { webrtc: false, microphone: false };
  private focus: string | null = null;
  private voiceStart: Promise<boolean> | null = null;
  private generation = 0;
  private state: DialerState = {
    setup: null,
    setupError: null,
    device: 'off',
    deviceError: null,
    placing: false,
    dialError: null,
    current: null,
    ringing: [],
    others: [],
    outcome: null,
  };

  constructor(options: DialerOptions) {
    this.invoke = options.invoke;
    this.voice = new VoiceLine(
      () => this.invoke('voice_token', {}),
      {
        state: (state) => this.patch({ device: state, deviceError: state === 'registered' ? null : this.state.deviceError }),
        incoming: (call) => void this.incoming(call),
        error: (message) => this.patch({ deviceError: message }),
      },
      options.sdk,
    );
  }

  /** The store contract: `run` gets the state now and after every change. */
  subscribe(run: (state: DialerState) => void): () => void {
    this.listeners.add(run);
    run(this.state);
    return () => this.listeners.delete(run);
  }

  /** The state now. */
  get snapshot(): DialerState {
    return this.state;
  }

  /**
   * Reads the setup for a window with `capabilities` (engine, caller IDs, calls in progress) and,
   * when the webview engine is chosen, starts the SDK's device; the bridge engine stops it.
   */
  async start(capabilities: Capabilities): Promise<void> {
    this.capabilities = capabilities;
    const generation = this.generation;
    let setup: CallSetup;
    try {
      setup = await this.invoke('call_setup', { capabilities });
    } catch (e) {
      if (generation === this.generation) this.patch({ setupError: e as IpcError });
      return;
    }
    if (generation !== this.generation) return;
    for (const view of setup.active) if (!this.entries.has(view.id)) this.track(view, null);
    if (this.focus === null) this.focus = setup.active.find((v) => v.direction === 'outbound' || v.phase !== 'ringing')?.id ?? null;
    this.patch({ setup, setupError: null, dialError: null });
    if (setup.choice.engine === 'webview') {
      await this.voice.setDevices(setup.settings.microphone, setup.settings.speaker);
      void this.startVoice();
    } else {
      this.stopVoiceWhenIdle();
    }
  }

  /** Stops the device when the bridge engine is chosen, once no call the SDK carries is left. */
  private stopVoiceWhenIdle(): void {
    if (!this.voice.started || this.state.setup?.choice.engine === 'webview') return;
    if ([...this.entries.values()].some((e) => e.sdk !== null)) return;
    this.voice.stop();
    this.voiceStart = null;
    this.patch({ device: 'off', deviceError: null });
  }

  /** Reads the setup again (Settings changed). */
  refresh(): Promise<void> {
    return this.start(this.capabilities);
  }

  /** Another account: forgets its calls and device, then starts over. */
  restart(): Promise<void> {
    this.generation++;
    this.voice.stop();
    this.voiceStart = null;
    for (const entry of this.entries.values()) this.clearTimers(entry);
    this.entries.clear();
    this.focus = null;
    this.state = { ...this.state, setup: null, setupError: null, device: 'off', deviceError: null, dialError: null, outcome: null };
    this.emit();
    return this.refresh();
  }

  /** The microphone and speaker for the webview engine (browser `deviceId`s; `null` for the default). */
  setAudioDevices(microphone: string | null, speaker: string | null): Promise<void> {
    return this.voice.setDevices(microphone, speaker);
  }

  /** Places a call to `to` (as typed, read in `country` without `+`) from caller ID `from`. */
  async dial(to: string, country: string | null, from: string | null): Promise<boolean> {
    const setup = this.state.setup;
    if (!setup || this.state.placing) return false;
    if (setup.choice.blocker) {
      this.patch({ dialError: { code: 'not_configured', message: setup.choice.blocker, field: null, settings: true } });
      return false;
    }
    if (cleanNumber(to) === '') {
      this.patch({ dialError: { code: 'invalid_input', message: 'Number: type the number to call.', field: 'number', settings: false } });
      return false;
    }
    const engine = setup.choice.engine;
    this.patch({ placing: true, dialError: null, outcome: null });
    if (engine === 'webview' && !(await this.startVoice())) {
      this.patch({
        placing: false,
        dialError: { code: 'not_configured', message: this.state.deviceError ?? 'The app could not connect to Twilio for calls.', field: null, settings: /\bSettings\b/.test(this.state.deviceError ?? '') },
      });
      return false;
    }
    let view: CallView;
    try {
      view = await this.invoke('start_call', { request: { to: cleanNumber(to), country, from, engine } });
    } catch (e) {
      this.patch({ placing: false, dialError: dialError(e as IpcError) });
      return false;
    }
    // Its first call://state events may have come first (and be newer): keep what is known.
    const known = this.entries.get(view.id);
    const entry = known ?? this.track(view, null);
    if (known) this.apply(known, view);
    this.focus = view.id;
    const ended = this.endedUnseen.get(view.id);
    if (ended) {
      this.endedUnseen.delete(view.id);
      this.apply(entry, ended);
    }
    this.patch({ placing: false });
    if (view.engine === 'webview') await this.connect(entry);
    return true;
  }

  /** Answers incoming call `id`: in the window's SDK, or by the core when it rings the SIP line. */
  async answer(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || !canAnswer(entry) || entry.answering) return;
    const before = this.focus;
    entry.answering = true;
    entry.error = null;
    this.focus = id;
    this.emit();
    if (entry.sdk) {
      try {
        await this.voice.accept(entry.sdk);
      } catch (e) {
        this.endLocally(entry, sdkErrorMessage(e));
      }
      return;
    }
    // The SIP line: the core opens the devices of Settings, then says the call is in progress.
    entry.pending = 'answer';
    try {
      this.apply(entry, await this.invoke('call_control', { id, control: { action: 'answer' } }));
    } catch (e) {
      // Still ringing (or gone): it goes back to the incoming panel with the reason.
      entry.answering = false;
      entry.error = messageOf(e);
      if (this.focus === id) this.focus = before;
    } finally {
      entry.pending = null;
      this.emit();
    }
  }

  /** Declines incoming call `id`: the caller goes to voicemail. */
  async decline(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || entry.view.phase === 'ended') return;
    const sdk = entry.sdk;
    entry.sdk = null;
    entry.local = false;
    entry.ending = true;
    sdk?.reject();
    await this.hangupCore(entry);
  }

  /** Puts the current call on hold, then answers `id`; nothing is answered when the hold fails. */
  async holdAndAnswer(id: string): Promise<void> {
    const current = this.live(this.focus);
    if (current && current.view.id !== id && !current.view.on_hold) {
      if (!(await this.control(current.view.id, { action: 'hold' }))) {
        const entry = this.entries.get(id);
        if (entry) {
          entry.error = `The current call could not be put on hold, so this one was not answered: ${current.error ?? 'try again'}`;
          this.emit();
        }
        return;
      }
    }
    await this.answer(id);
  }

  /** Hangs up the current call, then answers `id`. */
  async endAndAnswer(id: string): Promise<void> {
    const current = this.live(this.focus);
    if (current && current.view.id !== id) await this.hangup(current.view.id);
    await this.answer(id);
  }

  /**
   * The notification's Answer: answers at once when no other call is live, puts the current
   * call on hold first when it can be held, and otherwise leaves the choice to the banner.
   */
  async answerFromNotification(id: string): Promise<void> {
    const current = this.live(this.focus);
    if (!current || current.view.id === id) return this.answer(id);
    if (canHold(current.view)) return this.holdAndAnswer(id);
  }

  /** Hangs up call `id` (or stops it ringing). */
  async hangup(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || entry.view.phase === 'ended' || entry.ending) return;
    if (entry.view.direction === 'inbound' && entry.view.phase === 'ringing' && !entry.answering) return this.decline(id);
    entry.ending = true;
    const sdk = entry.sdk;
    entry.sdk = null;
    sdk?.disconnect();
    await this.hangupCore(entry);
  }

  /** Applies `control` to call `id`; `false` when it failed (the reason is on the call, its state unchanged). */
  async control(id: string, control: CallControl): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.view.phase === 'ended') return false;
    if (control.action === 'hangup') {
      await this.hangup(id);
      return true;
    }
    entry.pending = control.action;
    entry.error = null;
    this.emit();
    try {
      if (control.action === 'digits' && entry.view.direction === 'inbound' && !onSipLine(entry.view)) {
        if (!entry.sdk) throw { code: 'invalid_input', message: 'Digits on this call go through the app’s own connection, which is gone.' };
        entry.sdk.sendDigits(control.digits);
      } else {
        this.apply(entry, await this.invoke('call_control', { id, control }));
        if (control.action === 'mute') entry.sdk?.mute(control.on);
      }
      return true;
    } catch (e) {
      entry.error = messageOf(e);
      return false;
    } finally {
      entry.pending = null;
      this.emit();
    }
  }

  /**
   * A keypad key on call `id`: sent at once on incoming calls (through the SDK, or the core's SIP
   * line), else gathered and sent through the core.
   */
  press(id: string, key: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.view.phase !== 'in_progress') return;
    entry.digits += key;
    if (entry.view.direction === 'inbound') {
      void this.control(id, { action: 'digits', digits: key });
      return;
    }
    entry.queued += key;
    clearTimeout(entry.digitTimer);
    entry.digitTimer = setTimeout(() => this.flushDigits(entry), DIGIT_GAP_MS);
    this.emit();
  }

  /** Takes an ended call off the in-call screen now (it leaves on its own after {@link LINGER_MS}). */
  dismiss(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.view.phase !== 'ended') return;
    this.clearTimers(entry);
    this.entries.delete(id);
    if (this.focus === id) {
      this.focus = [...this.entries.values()].reverse().find((e) => this.isLive(e) && !this.isRinging(e))?.view.id ?? null;
      this.state = { ...this.state, outcome: { remote_display: entry.view.remote_display, reason: entry.endReason ?? entry.view.end_reason ?? 'The call ended.' } };
    }
    this.emit();
  }

  /** Shows call `id` on the in-call screen (one of `others`). */
  show(id: string): void {
    if (this.live(id)) {
      this.focus = id;
      this.emit();
    }
  }

  /** Forgets the last call's outcome (the user typed a new number). */
  clearOutcome(): void {
    if (this.state.outcome || this.state.dialError) this.patch({ outcome: null, dialError: null });
  }

  /** A `call://state` event. */
  coreState(view: CallView): void {
    const entry = this.entries.get(view.id);
    if (!entry) {
      if (view.phase !== 'ended') {
        this.track(view, null);
        this.emit();
      } else {
        this.endedUnseen.set(view.id, view);
        // Only the last few matter: the ones a pending start_call may still answer for.
        for (const id of [...this.endedUnseen.keys()].slice(0, -8)) this.endedUnseen.delete(id);
      }
      return;
    }
    this.apply(entry, view);
    this.emit();
  }

  // ---- The SDK's side ----

  private startVoice(): Promise<boolean> {
    if (this.voice.started && this.state.device !== 'failed') return Promise.resolve(true);
    this.voiceStart ??= (async () => {
      this.patch({ device: 'loading', deviceError: null });
      try {
        await this.voice.start();
        return true;
      } catch (e) {
        this.voice.stop();
        this.patch({ device: 'failed', deviceError: typeof (e as IpcError).code === 'string' ? messageOf(e) : sdkErrorMessage(e) });
        return false;
      } finally {
        this.voiceStart = null;
      }
    })();
    return this.voiceStart;
  }

  private async connect(entry: Entry): Promise<void> {
    let call: VoiceCall;
    try {
      call = await this.voice.connect(entry.view.id);
    } catch (e) {
      this.endLocally(entry, sdkErrorMessage(e));
      return;
    }
    if (entry.view.phase === 'ended' || entry.ending) {
      call.disconnect();
      return;
    }
    entry.sdk = call;
    entry.local = true;
    this.wire(entry, call);
    this.emit();
  }

  private async incoming(call: VoiceCall): Promise<void> {
    const sid = call.parameters.CallSid ?? '';
    const from = call.parameters.From ?? '';
    const to = call.parameters.To ?? '';
    if (this.entries.has(sid)) return;
    // Listen at once: the caller may give up before the core answers.
    const entry = this.track(this.provisional(sid, from, to), call);
    let registered: () => void = () => {};
    entry.ready = new Promise((done) => (registered = done));
    this.wire(entry, call);
    if (this.live(this.focus) === null) this.focus = null;
    this.emit();
    try {
      const view = await this.invoke('incoming_call', { call_sid: sid, from, to });
      if (entry.view.phase !== 'ended') this.apply(entry, view);
    } catch (e) {
      entry.view = { ...entry.view, notice: `Switchboard could not follow this call: ${messageOf(e)}` };
    } finally {
      registered();
      this.emit();
    }
  }

  private wire(entry: Entry, call: VoiceCall): void {
    const mine = () => entry.sdk === call;
    call.on('accept', () => {
      if (!mine()) return;
      if (entry.view.direction === 'outbound') {
        const sid = call.parameters.CallSid;
        this.invoke('attach_call', { id: entry.view.id, call_sid: sid ?? '' }).then(
          (view) => {
            this.apply(entry, view);
            this.emit();
          },
          (e) => this.endLocally(entry, messageOf(e)),
        );
      }
    });
    call.on('reconnecting', () => {
      if (!mine()) return;
      entry.reconnecting = true;
      this.emit();
    });
    call.on('reconnected', () => {
      if (!mine()) return;
      entry.reconnecting = false;
      this.emit();
    });
    call.on('warning', (name: string) => {
      if (!mine() || entry.warnings.some((w) => w.name === name)) return;
      entry.warnings = [...entry.warnings, { name, text: qualityText(name) }];
      this.emit();
    });
    call.on('warning-cleared', (name: string) => {
      if (!mine()) return;
      entry.warnings = entry.warnings.filter((w) => w.name !== name);
      this.emit();
    });
    call.on('disconnect', () => {
      if (!mine()) return;
      entry.sdk = null;
      entry.local = false;
      if (entry.view.phase !== 'ended' && !entry.ending) void this.hangupCore(entry, true);
      else this.emit();
    });
    call.on('cancel', () => {
      if (!mine()) return;
      entry.sdk = null;
      entry.local = false;
      this.endLocally(entry, entry.view.direction === 'inbound' ? 'Missed: the caller hung up before it was answered.' : 'The call was cancelled.');
    });
    call.on('reject', () => {
      if (!mine()) return;
      entry.sdk = null;
      entry.local = false;
    });
    call.on('error', (error: SdkError) => {
      if (!mine()) return;
      this.endLocally(entry, sdkErrorMessage(error));
    });
  }

  // ---- Calls ----

  private provisional(sid: string, from: string, to: string): CallView {
    return {
      id: sid,
      engine: 'webview',
      direction: 'inbound',
      remote: from,
      remote_display: from.replace(/^client:/, ''),
      caller_id: to,
      phase: 'ringing',
      on_hold: false,
      muted: false,
      recording: 'off',
      you_sid: sid,
      them_sid: null,
      answered_at: null,
      ended_at: null,
      end_reason: null,
      notice: null,
      quality: null,
      revision: 0,
    };
  }

  private track(view: CallView, sdk: VoiceCall | null): Entry {
    const entry: Entry = {
      view,
      answering: false,
      endReason: null,
      warnings: [],
      reconnecting: false,
      error: null,
      pending: null,
      digits: '',
      local: sdk !== null,
      sdk,
      ready: Promise.resolve(),
      ending: false,
      queued: '',
      digitTimer: undefined,
      lingerTimer: undefined,
    };
    this.entries.set(view.id, entry);
    if (view.phase === 'ended') this.ended(entry);
    return entry;
  }

  /** Takes the core's `view` of a call; nothing brings an ended call back. */
  private apply(entry: Entry, view: CallView): void {
    if (entry.view.phase === 'ended') return;
    // A command's answer can arrive after newer call://state events: keep the newest.
    if (view.id === entry.view.id && view.revision < entry.view.revision) return;
    entry.view = view;
    if (view.phase === 'ended') this.ended(entry);
  }

  private ended(entry: Entry): void {
    entry.endReason ??= entry.view.end_reason;
    entry.warnings = [];
    entry.reconnecting = false;
    entry.answering = false;
    entry.pending = null;
    const sdk = entry.sdk;
    entry.sdk = null;
    entry.local = false;
    sdk?.disconnect();
    clearTimeout(entry.digitTimer);
    if (sdk) queueMicrotask(() => this.stopVoiceWhenIdle());
    if (this.focus === entry.view.id) {
      clearTimeout(entry.lingerTimer);
      entry.lingerTimer = setTimeout(() => this.dismiss(entry.view.id), LINGER_MS);
    } else {
      this.entries.delete(entry.view.id);
    }
  }

  /** The window knows first that the call is over (an SDK error or cancel): says why, and tells the core. */
  private endLocally(entry: Entry, reason: string): void {
    if (entry.view.phase === 'ended') return;
    entry.endReason ??= reason;
    const sdk = entry.sdk;
    entry.sdk = null;
    entry.local = false;
    sdk?.disconnect();
    if (!entry.ending) void this.hangupCore(entry, true);
    this.emit();
  }

  /**
   * Tells the core to end the call: the user hung up, or (`left`) the window's own leg went away
   * without being asked, so the core says why (the other party hanging up first wins over the
   * window's reason). A call the core no longer has is ended here.
   */
  private async hangupCore(entry: Entry, left = false): Promise<void> {
    entry.ending = true;
    this.emit();
    await entry.ready;
    if (entry.view.phase === 'ended') return;
    const control: CallControl = left ? { action: 'left', reason: entry.endReason ?? null } : { action: 'hangup' };
    try {
      this.apply(entry, await this.invoke('call_control', { id: entry.view.id, control }));
    } catch (e) {
      this.apply(entry, { ...entry.view, phase: 'ended', ended_at: Date.now(), end_reason: entry.endReason ?? messageOf(e), notice: null });
    }
    this.emit();
  }

  private flushDigits(entry: Entry): void {
    const digits = entry.queued;
    entry.queued = '';
    if (digits) void this.control(entry.view.id, { action: 'digits', digits });
  }

  private clearTimers(entry: Entry): void {
    clearTimeout(entry.digitTimer);
    clearTimeout(entry.lingerTimer);
  }

  private isLive(entry: Entry): boolean {
    return entry.view.phase !== 'ended';
  }

  private isRinging(entry: Entry): boolean {
    return entry.view.direction === 'inbound' && entry.view.phase === 'ringing' && !entry.answering;
  }

  private live(id: string | null): LiveCall | null {
    const entry = id === null ? undefined : this.entries.get(id);
    return entry && this.isLive(entry) ? entry : null;
  }

  private patch(change: Partial<DialerState>): void {
    this.state = { ...this.state, ...change };
    this.emit();
  }

  private emit(): void {
    const out = (e: Entry): LiveCall => ({
      view: e.view,
      answering: e.answering,
      endReason: e.endReason,
      warnings: e.warnings,
      reconnecting: e.reconnecting,
      error: e.error,
      pending: e.pending,
      digits: e.digits,
      local: e.local,
    });
    const all = [...this.entries.values()];
    const focused = this.focus === null ? undefined : this.entries.get(this.focus);
    const current = focused && !this.isRinging(focused) ? focused : undefined;
    this.state = {
      ...this.state,
      current: current ? out(current) : null,
      ringing: all.filter((e) => this.isRinging(e) && e !== current).map(out),
      others: all.filter((e) => e !== current && this.isLive(e) && !this.isRinging(e)).map(out),
    };
    for (const run of this.listeners) run(this.state);
  }
}
