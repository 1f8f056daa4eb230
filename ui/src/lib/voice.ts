/**
 * The webview engine's side in the window: the Twilio Voice JS SDK behind a small seam. This is
 * the only module that refers to the SDK, and only through {@link loadSdk}'s dynamic import, so the
 * SDK is its own chunk, fetched the first time the webview engine is used and never on a window
 * without WebRTC (WebKitGTK). Tokens come from Rust (`voice_token`) and are never logged.
 *
 * The interfaces below are the part of the SDK Switchboard uses; `loadSdk` type-checks the real
 * SDK against them, and the unit tests drive a fake with the same shape and events.
 */

/** The SDK's `Call.Codec[]` (a string enum), named through its types only. */
type Codecs = NonNullable<NonNullable<ConstructorParameters<typeof import('@twilio/voice-sdk').Device>[1]>['codecPreferences']>;

/** A call of the SDK (`Call`): events `ringing`, `accept`, `reconnecting`, `reconnected`, `warning`, `warning-cleared`, `mute`, `disconnect`, `cancel`, `reject`, `error`. */
export interface VoiceCall {
  /** Twilio's parameters: `CallSid` (once known), and for an incoming call `From` and `To`. */
  readonly parameters: Record<string, string>;
  accept(): void;
  reject(): void;
  disconnect(): void;
  mute(shouldMute?: boolean): void;
  sendDigits(digits: string): void;
  // The SDK's listeners take `...args: any[]`; each event's arguments are documented above.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** The SDK's audio helper (`Device.audio`). */
export interface VoiceAudio {
  setInputDevice(deviceId: string): Promise<void>;
  unsetInputDevice(): Promise<void>;
  readonly speakerDevices: { set(deviceIdOrIds: string | string[]): Promise<void> };
  readonly isOutputSelectionSupported: boolean;
  incoming(doEnable?: boolean): boolean;
}

/** A device of the SDK (`Device`): events `registering`, `registered`, `incoming`, `tokenWillExpire`, `error`, `unregistered`. */
export interface VoiceDevice {
  readonly audio: VoiceAudio | null;
  register(): Promise<void>;
  updateToken(token: string): void;
  connect(options: { params: Record<string, string> }): Promise<VoiceCall>;
  destroy(): void;
  // The SDK's listeners take `...args: any[]`; each event's arguments are documented above.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/** The options Switchboard creates its device with. */
export interface VoiceDeviceOptions {
  allowIncomingWhileBusy: boolean;
  closeProtection: boolean;
  codecPreferences: Codecs;
}

/** The SDK module, as far as Switchboard uses it. */
export interface VoiceSdk {
  Device: new (token: string, options: VoiceDeviceOptions) => VoiceDevice;
}

/** Loads the SDK chunk (the only place it is imported). */
export function loadSdk(): Promise<VoiceSdk> {
  return import('@twilio/voice-sdk');
}

/** What the device options are: a second call is offered while busy; closing the window mid-call asks first. */
export const DEVICE_OPTIONS: VoiceDeviceOptions = {
  allowIncomingWhileBusy: true,
  closeProtection: true,
  codecPreferences: ['opus', 'pcmu'] as Codecs,
};

/** An error as the SDK reports it (`TwilioError`), or anything thrown along the way. */
export interface SdkError {
  code?: number;
  name?: string;
  message?: string;
  description?: string;
}

/** A sentence for people about an SDK error, naming Twilio's code so the log and the docs can be matched. */
export function sdkErrorMessage(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkError;
  const code = typeof e.code === 'number' ? e.code : null;
  const tag = code === null ? '' : ` (Twilio error ${code})`;
  switch (code) {
    case 31401:
    case 31208:
      return `Switchboard may not use the microphone: allow it in the system’s privacy settings, then call again${tag}.`;
    case 31402:
      return `No microphone could be opened: connect one, or choose another in Settings, under Calling${tag}.`;
    case 20101:
    case 31204:
    case 31202:
      return `Twilio did not accept the app’s calling token: check that call routing is deployed (Settings), then try again${tag}.`;
    case 20104:
    case 31205:
      return `The app’s calling token expired; Switchboard is getting a new one. Try again in a moment${tag}.`;
    case 31005:
    case 31009:
    case 53000:
    case 53001:
      return `Lost the connection to Twilio: check the network, then try again${tag}.`;
    case 31003:
      return `Twilio did not answer in time: check the network, then try again${tag}.`;
    case 53405:
      return `The call’s audio could not get through: a firewall or the network may be blocking it${tag}.`;
    case 31486:
      return `The line is busy${tag}.`;
    case 31480:
      return `The number is not reachable now${tag}.`;
    case 31603:
    case 31002:
      return `The call was declined${tag}.`;
    default: {
      const what = e.description ?? (e.message && !/^\w+ \(\d+\): /.test(e.message) ? e.message : null) ?? e.message ?? 'The calling service failed';
      return `${what.replace(/[.\s]+$/, '')}${tag}.`;
    }
  }
}

/** What the dialer hears from the device. */
export interface VoiceEvents {
  /** Registration: `registering`, `registered` or `unregistered`. */
  state(state: 'registering' | 'registered' | 'unregistered'): void;
  /** A call rings the app. */
  incoming(call: VoiceCall): void;
  /** The device failed (not a call): a sentence for people. */
  error(message: string): void;
}

/** Fetches a fresh token (Rust's `voice_token`). */
export type TokenSource = () => Promise<{ token: string }>;

/**
 * The window's device: created with a token, registered for incoming calls, its token renewed on
 * `tokenWillExpire` (and after it expired), the SDK's own ringtone off (Rust plays the ringtone on
 * the output chosen in Settings).
 */
export class VoiceLine {
  private device: VoiceDevice | null = null;
  private microphone: string | null = null;
  private speaker: string | null = null;

  constructor(
    private readonly token: TokenSource,
    private readonly events: VoiceEvents,
    private readonly sdk: () => Promise<VoiceSdk> = loadSdk,
  ) {}

  /** Loads the SDK, creates the device and registers it. Rejects with what `voice_token` or the SDK threw. */
  async start(): Promise<void> {
    if (this.device) return;
    const [{ Device }, { token }] = await Promise.all([this.sdk(), this.token()]);
    const device = new Device(token, DEVICE_OPTIONS);
    this.device = device;
    device.on('registering', () => this.events.state('registering'));
    device.on('registered', () => this.events.state('registered'));
    device.on('unregistered', () => this.events.state('unregistered'));
    device.on('incoming', (call: VoiceCall) => this.events.incoming(call));
    device.on('tokenWillExpire', () => void this.renew());
    device.on('error', (error: SdkError) => {
      if (error?.code === 20104 || error?.code === 31205) void this.renew();
      this.events.error(sdkErrorMessage(error));
    });
    device.audio?.incoming(false);
    await this.applySpeaker();
    await device.register();
  }

  /** Whether the device exists. */
  get started(): boolean {
    return this.device !== null;
  }

  /** Gets a new token and hands it to the device; a failure is reported as a device error. */
  async renew(): Promise<void> {
    try {
      const { token } = await this.token();
      this.device?.updateToken(token);
    } catch (e) {
      const message = (e as { message?: string }).message ?? String(e);
      this.events.error(`Could not renew the app’s calling token: ${message}`);
    }
  }

  /** Joins conference `room` (the call’s id), with the chosen microphone. */
  async connect(room: string): Promise<VoiceCall> {
    const device = this.required();
    await this.applyMicrophone();
    return device.connect({ params: { Room: room } });
  }

  /** Answers `call` with the chosen microphone. */
  async accept(call: VoiceCall): Promise<void> {
    await this.applyMicrophone();
    call.accept();
  }

  /** The browser `deviceId`s to use (`null`: the system’s default); applied now and to later calls. */
  async setDevices(microphone: string | null, speaker: string | null): Promise<void> {
    const changedSpeaker = speaker !== this.speaker;
    this.microphone = microphone;
    this.speaker = speaker;
    if (changedSpeaker) await this.applySpeaker();
  }

  /** Ends the device (another account, or the bridge engine chosen). */
  stop(): void {
    this.device?.destroy();
    this.device = null;
  }

  private required(): VoiceDevice {
    if (!this.device) throw { code: 31000, description: 'The app is not connected to Twilio for calls yet' } satisfies SdkError;
    return this.device;
  }

  private async applyMicrophone(): Promise<void> {
    const audio = this.device?.audio;
    if (!audio) return;
    try {
      if (this.microphone) await audio.setInputDevice(this.microphone);
      else await audio.unsetInputDevice();
    } catch {
      // A remembered microphone that is not plugged in: the system’s default is used.
      await audio.unsetInputDevice().catch(() => {});
    }
  }

  private async applySpeaker(): Promise<void> {
    const audio = this.device?.audio;
    if (!audio?.isOutputSelectionSupported) return;
    await audio.speakerDevices.set(this.speaker ?? 'default').catch(() => audio.speakerDevices.set('default').catch(() => {}));
  }
}
