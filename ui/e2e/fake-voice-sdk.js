// Served in place of the built @twilio/voice-sdk chunk (harness.mjs routes assets/twilio-*.js
// here), so the browser tests never reach Twilio. It exports what the chunk exports, and its
// Device and Call emit the SDK's events with its argument shapes, in its order (as the unit
// tests' src/lib/fake-voice-sdk.ts does). The tests drive it through `window.__sdk`.

class Emitter {
  #listeners = new Map();
  on(event, listener) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }
  addListener(event, listener) {
    return this.on(event, listener);
  }
  once(event, listener) {
    const wrapped = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }
  off(event, listener) {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((l) => l !== listener));
    return this;
  }
  removeListener(event, listener) {
    return this.off(event, listener);
  }
  emit(event, ...args) {
    for (const listener of this.#listeners.get(event) ?? []) listener(...args);
    return true;
  }
}

export class TwilioError extends Error {
  constructor(code, name, description, explanation = description) {
    super(`${name} (${code}): ${explanation}`);
    this.code = code;
    this.name = name;
    this.description = description;
    this.explanation = explanation;
  }
}

const sdk = (window.__sdk = { devices: [], calls: [], log: [] });
const record = (what, detail = {}) => sdk.log.push({ what, ...detail });

export class Call extends Emitter {
  constructor(direction, parameters = {}) {
    super();
    this.direction = direction;
    this.parameters = { ...parameters };
    this.params = {};
    this.state = direction === 'INCOMING' ? 'pending' : 'connecting';
    this.muted = false;
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
    setTimeout(() => this.answered(this.parameters.CallSid), 50);
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
  sendDigits(digits) {
    record('digits', { digits });
    this.sent.push(digits);
  }
  // What Twilio does, driven by the tests.
  answered(callSid) {
    if (this.state === 'closed' || this.state === 'open') return;
    this.parameters.CallSid = callSid;
    this.state = 'open';
    this.emit('accept', this);
  }
  cancel() {
    this.state = 'closed';
    this.emit('cancel');
  }
  remoteHangup() {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('disconnect', this);
  }
  fail(code, name, description) {
    this.emit('error', new TwilioError(code, name, description));
    this.remoteHangup();
  }
  reconnecting() {
    this.state = 'reconnecting';
    this.emit('reconnecting', new TwilioError(53001, 'ConnectionDisconnected', 'Signaling connection disconnected'));
  }
  reconnected() {
    this.state = 'open';
    this.emit('reconnected');
  }
  warn(name) {
    this.emit('warning', name, { threshold: 1 });
  }
  clearWarning(name) {
    this.emit('warning-cleared', name);
  }
}

class Audio {
  constructor() {
    this.input = null;
    this.speakers = ['default'];
    this.incomingSound = true;
    this.isOutputSelectionSupported = true;
    this.speakerDevices = { set: async (ids) => void (this.speakers = Array.isArray(ids) ? ids : [ids]) };
  }
  async setInputDevice(id) {
    this.input = id;
  }
  async unsetInputDevice() {
    this.input = null;
  }
  incoming(doEnable) {
    if (typeof doEnable === 'boolean') this.incomingSound = doEnable;
    return this.incomingSound;
  }
}

export class Device extends Emitter {
  constructor(token, options) {
    super();
    this.tokens = [token];
    this.options = options;
    this.state = 'unregistered';
    this.audio = new Audio();
    this.outgoing = [];
    sdk.devices.push(this);
    sdk.device = this;
  }
  async register() {
    this.state = 'registering';
    this.emit('registering');
    await new Promise((done) => setTimeout(done, 30));
    this.state = 'registered';
    this.emit('registered');
  }
  updateToken(token) {
    this.tokens.push(token);
  }
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
  // What Twilio does, driven by the tests.
  ring(callSid, from, to) {
    const call = new Call('INCOMING', { CallSid: callSid, From: from, To: to });
    sdk.incoming = call;
    this.emit('incoming', call);
    return call;
  }
  expireSoon() {
    this.emit('tokenWillExpire', this);
  }
}

export const Logger = { setLevel() {} };
export class PreflightTest extends Emitter {}
