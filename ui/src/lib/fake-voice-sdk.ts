/**
 * A stand-in for `@twilio/voice-sdk` in the unit tests, faithful where the dialer depends on it:
 * `Device` and `Call` are EventEmitters that emit the SDK's event names with its argument shapes,
 * in its order (checked against the SDK 2.18 source: `device.js`, `call.js`).
 *
 * Device: `registering` then `registered` from `register()`; `incoming(call)`; `tokenWillExpire(device)`;
 * `error(twilioError, call?)`; `unregistered`. Call: `ringing(hasEarlyMedia)`; `accept(call)` with
 * `parameters.CallSid` set; `reconnecting(error)` / `reconnected`; `warning(name, data)` /
 * `warning-cleared(name)`; `mute(isMuted, call)`; `disconnect(call)`; `cancel` (the caller gave up;
 * no `disconnect` follows); `reject` (no `disconnect` follows); `error(twilioError)`, which a
 * gateway hang-up follows with `disconnect`. A second `connect()` while a call is active throws, as
 * the SDK does.
 */
import { EventEmitter } from 'events';
import type { VoiceSdk } from './voice';

/** The shape of the SDK's `TwilioError`: `message` is `Name (code): explanation`. */
export class FakeTwilioError extends Error {
  constructor(
    readonly code: number,
    override readonly name: string,
    readonly description: string,
    readonly explanation = description,
  ) {
    super(`${name} (${code}): ${explanation}`);
  }
}

export const ERRORS = {
  permissionDenied: () => new FakeTwilioError(31401, 'PermissionDeniedError', 'UserMedia Permission Denied Error', 'The browser or end-user denied permissions to user media.'),
  connection: () => new FakeTwilioError(31005, 'ConnectionError', 'Connection error', 'A connection error occurred during the call'),
  mediaFailed: () => new FakeTwilioError(53405, 'ConnectionFailed', 'Media connection failed', 'Raised by the Client SDK upon failing to establish a media connection.'),
  tokenExpired: () => new FakeTwilioError(20104, 'AccessTokenExpired', 'Access token expired or expiration date invalid'),
};

type CallState = 'pending' | 'connecting' | 'ringing' | 'open' | 'reconnecting' | 'closed';

export class FakeCall extends EventEmitter {
  readonly parameters: Record<string, string>;
  state: CallState;
  muted = false;
  readonly sent: string[] = [];
  /** What `Device.connect` was given (outgoing calls). */
  params: Record<string, string> = {};

  constructor(
    readonly direction: 'INCOMING' | 'OUTGOING',
    parameters: Record<string, string> = {},
  ) {
    super();
    this.parameters = { ...parameters };
    this.state = direction === 'INCOMING' ? 'pending' : 'connecting';
  }

  status(): CallState {
    return this.state;
  }

  isMuted(): boolean {
    return this.muted;
  }

  accept(): void {
    if (this.state !== 'pending') return;
    this.state = 'connecting';
    queueMicrotask(() => this.answered(this.parameters.CallSid ?? 'CA' + '0'.repeat(32)));
  }

  reject(): void {
    if (this.state !== 'pending') return;
    this.state = 'closed';
    this.emit('reject');
  }

  disconnect(): void {
    if (this.state === 'closed') return;
    const wasPending = this.state === 'pending';
    this.state = 'closed';
    if (!wasPending) this.emit('disconnect', this);
  }

  mute(shouldMute = true): void {
    const was = this.muted;
    this.muted = shouldMute;
    if (was !== shouldMute) this.emit('mute', shouldMute, this);
  }

  sendDigits(digits: string): void {
    this.sent.push(digits);
  }

  // ---- What Twilio does, driven by the tests ----

  /** The callee's phone rings (outgoing). */
  ring(): void {
    this.state = 'ringing';
    this.emit('ringing', false);
  }

  /** Media and signalling are up: `accept` with the CallSid set. */
  answered(callSid: string): void {
    if (this.state === 'closed' || this.state === 'open') return;
    this.parameters.CallSid = callSid;
    this.state = 'open';
    this.emit('accept', this);
  }

  /** The caller hung up before the call was answered (incoming). */
  cancel(): void {
    this.state = 'closed';
    this.emit('cancel');
  }

  /** The other side ended the call. */
  remoteHangup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('disconnect', this);
  }

  /** A gateway hang-up carrying an error: `error`, then `disconnect`. */
  fail(error: FakeTwilioError): void {
    this.emit('error', error);
    this.remoteHangup();
  }

  reconnecting(): void {
    this.state = 'reconnecting';
    this.emit('reconnecting', ERRORS.connection());
  }

  reconnected(): void {
    this.state = 'open';
    this.emit('reconnected');
  }

  warn(name: string, data: unknown = { threshold: 1 }): void {
    this.emit('warning', name, data);
  }

  clearWarning(name: string): void {
    this.emit('warning-cleared', name);
  }
}

export class FakeAudio {
  input: string | null = null;
  speakers: string[] = ['default'];
  incomingSound = true;
  readonly isOutputSelectionSupported = true;
  /** Device ids `setInputDevice` rejects (not plugged in). */
  readonly missing = new Set<string>();
  readonly speakerDevices = {
    set: async (ids: string | string[]): Promise<void> => {
      this.speakers = Array.isArray(ids) ? ids : [ids];
    },
  };

  async setInputDevice(id: string): Promise<void> {
    if (this.missing.has(id)) throw new Error(`Device not found: ${id}`);
    this.input = id;
  }

  async unsetInputDevice(): Promise<void> {
    this.input = null;
  }

  incoming(doEnable?: boolean): boolean {
    if (typeof doEnable === 'boolean') this.incomingSound = doEnable;
    return this.incomingSound;
  }
}

export class FakeDevice extends EventEmitter {
  static instances: FakeDevice[] = [];
  state: 'unregistered' | 'registering' | 'registered' | 'destroyed' = 'unregistered';
  readonly audio = new FakeAudio();
  readonly tokens: string[];
  readonly outgoing: FakeCall[] = [];
  /** Set to make `register()` fail with it. */
  registerError: FakeTwilioError | null = null;
  private active: FakeCall | null = null;

  constructor(
    token: string,
    readonly options: Record<string, unknown>,
  ) {
    super();
    this.tokens = [token];
    FakeDevice.instances.push(this);
  }

  get token(): string {
    return this.tokens[this.tokens.length - 1]!;
  }

  async register(): Promise<void> {
    this.state = 'registering';
    this.emit('registering');
    await Promise.resolve();
    if (this.registerError) {
      this.state = 'unregistered';
      this.emit('error', this.registerError);
      throw this.registerError;
    }
    this.state = 'registered';
    this.emit('registered');
  }

  updateToken(token: string): void {
    this.tokens.push(token);
  }

  async connect(options: { params?: Record<string, string> } = {}): Promise<FakeCall> {
    if (this.active && this.active.state !== 'closed') throw new Error('A Call is already active');
    const call = new FakeCall('OUTGOING');
    call.params = { ...options.params };
    this.active = call;
    this.outgoing.push(call);
    return call;
  }

  destroy(): void {
    this.state = 'destroyed';
    this.emit('destroyed');
  }

  // ---- What Twilio does, driven by the tests ----

  /** An incoming call arrives. */
  ring(callSid: string, from: string, to: string): FakeCall {
    const call = new FakeCall('INCOMING', { CallSid: callSid, From: from, To: to });
    this.emit('incoming', call);
    return call;
  }

  /** The token runs out in 10 s. */
  expireSoon(): void {
    this.emit('tokenWillExpire', this);
  }

  fail(error: FakeTwilioError): void {
    this.emit('error', error);
  }

  offline(): void {
    this.state = 'unregistered';
    this.emit('unregistered');
  }
}

/** The fake module, as `loadSdk` would give the real one. */
export function fakeSdk(): () => Promise<VoiceSdk> {
  FakeDevice.instances = [];
  return async () => ({ Device: FakeDevice as unknown as VoiceSdk['Device'] });
}

/** The newest device created. */
export function lastDevice(): FakeDevice {
  const device = FakeDevice.instances[FakeDevice.instances.length - 1];
  if (!device) throw new Error('No Device was created');
  return device;
}
