// @ts-check
/**
 * The one stand-in for `@twilio/voice-sdk`, for both suites: the unit tests import it (through
 * `fakeSdk()`), and the browser tests' harness serves this file in place of the built SDK chunk
 * (assets/twilio-*.js), so neither ever reaches Twilio. It exports what that chunk exports
 * (`Device`, `Call`, `TwilioError`, `Logger`, `PreflightTest`) and is faithful where the dialer
 * depends on it: `Device` and `Call` emit the SDK's event names with its argument shapes, in its
 * order (checked against the SDK 2.18 source: `device.js`, `call.js`).
 *
 * Device: `registering` then `registered` from `register()`; `incoming(call)`; `tokenWillExpire(device)`;
 * `error(twilioError, call?)`; `unregistered`. Call: `ringing(hasEarlyMedia)`; `accept(call)` with
 * `parameters.CallSid` set; `reconnecting(error)` / `reconnected`; `warning(name, data)` /
 * `warning-cleared(name)`; `mute(isMuted, call)`; `disconnect(call)`; `cancel` (the caller gave up;
 * no `disconnect` follows); `reject` (no `disconnect` follows); `error(twilioError)`, which a
 * gateway hang-up follows with `disconnect`. A second `connect()` while a call is active throws, as
 * the SDK does.
 *
 * Tests drive it through `globalThis.__sdk` ({@link sdk}): every device and call, the newest
 * `device`, `incoming` and `outgoing`, and a `log` of what the app asked of the SDK. By default
 * answering and registering take a microtask; a page sets `globalThis.__sdkDelays` before the app
 * loads for real-time delays a person would see.
 */

/** @typedef {'pending' | 'connecting' | 'ringing' | 'open' | 'reconnecting' | 'closed'} CallState */

/** Resolves after the page's delay `name` (milliseconds), or after a microtask when it sets none. */
function after(/** @type {'acceptMs' | 'registerMs'} */ name) {
  const delays = /** @type {{ __sdkDelays?: Record<string, number> }} */ (globalThis).__sdkDelays;
  const ms = delays?.[name] ?? 0;
  return ms > 0 ? new Promise((done) => setTimeout(done, ms)) : Promise.resolve();
}

class Emitter {
  /** @type {Map<string, ((...args: any[]) => void)[]>} */
  #listeners = new Map();
  /** @param {string} event @param {(...args: any[]) => void} listener */
  on(event, listener) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }
  /** @param {string} event @param {(...args: any[]) => void} listener */
  addListener(event, listener) {
    return this.on(event, listener);
  }
  /** @param {string} event @param {(...args: any[]) => void} listener */
  once(event, listener) {
    /** @param {any[]} args */
    const wrapped = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }
  /** @param {string} event @param {(...args: any[]) => void} listener */
  off(event, listener) {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  /** @param {string} event @param {(...args: any[]) => void} listener */
  removeListener(event, listener) {
    return this.off(event, listener);
  }
  /** @param {string} event @param {unknown[]} args */
  emit(event, ...args) {
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
    return true;
  }
}

/** The shape of the SDK's `TwilioError`: `message` is `Name (code): explanation`. */
export class TwilioError extends Error {
  /** @param {number} code @param {string} name @param {string} description @param {string} [explanation] */
  constructor(code, name, description, explanation = description) {
    super(`${name} (${code}): ${explanation}`);
    this.code = code;
    this.name = name;
    this.description = description;
    this.explanation = explanation;
  }
}

/**
 * What the tests see of the fake.
 * @type {{ devices: Device[], calls: Call[], log: ({what: string} & Record<string, unknown>)[],
 *   device?: Device, incoming?: Call, outgoing?: Call, TwilioError: typeof TwilioError }}
 */
export const sdk = { devices: [], calls: [], log: [], TwilioError };
/** @type {Record<string, unknown>} */ (globalThis).__sdk = sdk;

/** @param {string} what @param {Record<string, unknown>} [detail] */
const record = (what, detail = {}) => void sdk.log.push({ what, ...detail });

export const ERRORS = {
  permissionDenied: () => new TwilioError(31401, 'PermissionDeniedError', 'UserMedia Permission Denied Error', 'The browser or end-user denied permissions to user media.'),
  connection: () => new TwilioError(31005, 'ConnectionError', 'Connection error', 'A connection error occurred during the call'),
  mediaFailed: () => new TwilioError(53405, 'ConnectionFailed', 'Media connection failed', 'Raised by the Client SDK upon failing to establish a media connection.'),
  tokenExpired: () => new TwilioError(20104, 'AccessTokenExpired', 'Access token expired or expiration date invalid'),
};

export class Call extends Emitter {
  /** @param {'INCOMING' | 'OUTGOING'} direction @param {Record<string, string>} [parameters] */
  constructor(direction, parameters = {}) {
    super();
    this.direction = direction;
    /** @type {Record<string, string>} */
    this.parameters = { ...parameters };
    /** What `Device.connect` was given (outgoing calls). @type {Record<string, string>} */
    this.params = {};
    /** @type {CallState} */
    this.state = direction === 'INCOMING' ? 'pending' : 'connecting';
    this.muted = false;
    /** @type {string[]} */
    this.sent = [];
    sdk.calls.push(this);
  }
  status() {
    return this.state;
  }
  isMuted() {
    return this.muted;
  }
  accept() {
    record('accept', { sid: this.parameters.CallSid });
    if (this.state !== 'pending') return;
    this.state = 'connecting';
    void after('acceptMs').then(() => this.answered(this.parameters.CallSid ?? 'CA' + '0'.repeat(32)));
  }
  reject() {
    record('reject', { sid: this.parameters.CallSid });
    if (this.state !== 'pending') return;
    this.state = 'closed';
    this.emit('reject');
  }
  disconnect() {
    record('disconnect', { sid: this.parameters.CallSid });
    if (this.state === 'closed') return;
    const pending = this.state === 'pending';
    this.state = 'closed';
    if (!pending) this.emit('disconnect', this);
  }
  mute(shouldMute = true) {
    record('mute', { on: shouldMute });
    const was = this.muted;
    this.muted = shouldMute;
    if (was !== shouldMute) this.emit('mute', shouldMute, this);
  }
  /** @param {string} digits */
  sendDigits(digits) {
    record('digits', { digits });
    this.sent.push(digits);
  }

  // ---- What Twilio does, driven by the tests ----

  /** The callee's phone rings (outgoing). */
  ring() {
    this.state = 'ringing';
    this.emit('ringing', false);
  }
  /** Media and signalling are up: `accept` with the CallSid set. @param {string} callSid */
  answered(callSid) {
    if (this.state === 'closed' || this.state === 'open') return;
    this.parameters.CallSid = callSid;
    this.state = 'open';
    this.emit('accept', this);
  }
  /** The caller hung up before the call was answered (incoming). */
  cancel() {
    this.state = 'closed';
    this.emit('cancel');
  }
  /** The other side ended the call. */
  remoteHangup() {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('disconnect', this);
  }
  /** A gateway hang-up carrying an error: `error`, then `disconnect`. @param {TwilioError} error */
  fail(error) {
    this.emit('error', error);
    this.remoteHangup();
  }
  reconnecting() {
    this.state = 'reconnecting';
    this.emit('reconnecting', ERRORS.connection());
  }
  reconnected() {
    this.state = 'open';
    this.emit('reconnected');
  }
  /** @param {string} name @param {unknown} [data] */
  warn(name, data = { threshold: 1 }) {
    this.emit('warning', name, data);
  }
  /** @param {string} name */
  clearWarning(name) {
    this.emit('warning-cleared', name);
  }
}

export class Audio {
  /** @type {string | null} */
  input = null;
  /** @type {string[]} */
  speakers = ['default'];
  incomingSound = true;
  isOutputSelectionSupported = true;
  /** Device ids `setInputDevice` rejects (not plugged in). */
  missing = new Set();
  speakerDevices = {
    /** @param {string | string[]} ids */
    set: async (ids) => void (this.speakers = Array.isArray(ids) ? ids : [ids]),
  };
  /** @param {string} id */
  async setInputDevice(id) {
    if (this.missing.has(id)) throw new Error(`Device not found: ${id}`);
    this.input = id;
  }
  async unsetInputDevice() {
    this.input = null;
  }
  /** @param {boolean} [doEnable] */
  incoming(doEnable) {
    if (typeof doEnable === 'boolean') this.incomingSound = doEnable;
    return this.incomingSound;
  }
}

export class Device extends Emitter {
  /** Every device created since {@link fakeSdk} last reset them. */
  static get instances() {
    return sdk.devices;
  }

  /** @param {string} token @param {Record<string, unknown>} options */
  constructor(token, options) {
    super();
    this.tokens = [token];
    this.options = options;
    /** @type {'unregistered' | 'registering' | 'registered' | 'destroyed'} */
    this.state = 'unregistered';
    this.audio = new Audio();
    /** @type {Call[]} */
    this.outgoing = [];
    /** Set to make `register()` fail with it. @type {TwilioError | null} */
    this.registerError = null;
    sdk.devices.push(this);
    sdk.device = this;
  }
  get token() {
    return /** @type {string} */ (this.tokens[this.tokens.length - 1]);
  }
  async register() {
    this.state = 'registering';
    this.emit('registering');
    await after('registerMs');
    if (this.registerError) {
      this.state = 'unregistered';
      this.emit('error', this.registerError);
      throw this.registerError;
    }
    this.state = 'registered';
    this.emit('registered');
  }
  /** @param {string} token */
  updateToken(token) {
    this.tokens.push(token);
  }
  /** @param {{ params?: Record<string, string> }} [options] */
  async connect(options = {}) {
    if (this.outgoing.some((c) => c.state !== 'closed')) throw new Error('A Call is already active');
    const call = new Call('OUTGOING');
    call.params = { ...options.params };
    this.outgoing.push(call);
    sdk.outgoing = call;
    return call;
  }
  destroy() {
    this.state = 'destroyed';
    this.emit('destroyed');
  }

  // ---- What Twilio does, driven by the tests ----

  /** An incoming call arrives. @param {string} callSid @param {string} from @param {string} to */
  ring(callSid, from, to) {
    const call = new Call('INCOMING', { CallSid: callSid, From: from, To: to });
    sdk.incoming = call;
    this.emit('incoming', call);
    return call;
  }
  /** The token runs out in 10 s. */
  expireSoon() {
    this.emit('tokenWillExpire', this);
  }
  /** @param {TwilioError} error */
  fail(error) {
    this.emit('error', error);
  }
  offline() {
    this.state = 'unregistered';
    this.emit('unregistered');
  }
}

export const Logger = { setLevel() {} };
export class PreflightTest extends Emitter {}

/**
 * The fake module, as `loadSdk` would give the real one, with no devices, calls or log yet.
 * @returns {() => Promise<import('../../src/lib/voice').VoiceSdk>}
 */
export function fakeSdk() {
  sdk.devices.length = 0;
  sdk.calls.length = 0;
  sdk.log.length = 0;
  return async () => ({ Device: /** @type {any} */ (Device) });
}

/** The newest device created. */
export function lastDevice() {
  const device = sdk.devices[sdk.devices.length - 1];
  if (!device) throw new Error('No Device was created');
  return device;
}
