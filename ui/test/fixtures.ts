/** Values shared by the unit tests, shaped as the Rust side sends them. */
import type { AppStatus, CallQuality, CallSetup, CallView, CredentialFieldErrors, EngineKind, Profile } from '../src/lib/bindings';
import type { CredentialsForm } from '../src/lib/onboarding';
import { ACCOUNT_SID, API_KEY_SID, MAIN_NUMBER, profile } from '../../tests/fixtures/ui-fixtures.mjs';

export { ACCOUNT_SID, API_KEY_SID };
export const SECRET = 'secretsecretsecretsecretsecret12';

export const PROFILE: Profile = profile();

export const STATUS: AppStatus = {
  version: '0.1.0',
  profile: null,
  data_dir: '/home/ada/.local/share/switchboard',
  log_dir: '/home/ada/.local/state/switchboard/logs',
};

export const NO_ERRORS: CredentialFieldErrors = {
  account_sid: null,
  api_key_sid: null,
  api_key_secret: null,
  profile_name: null,
};

/** A form as typed, with the spaces and newline a paste brings along. */
export function typedForm(overrides: Partial<CredentialsForm> = {}): CredentialsForm {
  return {
    account_sid: `  ${ACCOUNT_SID} `,
    api_key_sid: `${API_KEY_SID}\n`,
    api_key_secret: ` ${SECRET}`,
    profile_name: '',
    ...overrides,
  };
}

/** The account's number calls are placed from, and another it owns. */
export const OWN_NUMBER = MAIN_NUMBER;
export const OTHER_NUMBER = '+14155550100';
/** Someone to call. */
export const REMOTE = '+14155550123';
/** The user's own phone, which the bridge engine rings first. */
export const MY_PHONE = '+14155550999';

const REASONS: Record<EngineKind, string> = {
  webview: 'Calls use this computer\u2019s microphone and speakers: the window supports WebRTC.',
  bridge:
    'Calls ring your phone first, then Twilio connects the other party: this window has no WebRTC (RTCPeerConnection), as in WebKitGTK on Linux, and this desktop has no SIP account yet (deploy call routing in Settings).',
  sip: "Calls use this computer's microphone and speakers through the app's own SIP line: this window has no WebRTC (RTCPeerConnection), as in WebKitGTK on Linux.",
};

/** `call_setup` as the core answers it for a window with WebRTC (the webview engine). */
export function setupFor(engine: EngineKind, overrides: Partial<CallSetup> = {}): CallSetup {
  return {
    choice: {
      engine,
      preference: 'auto',
      reason: REASONS[engine],
      webview_available: engine === 'webview',
      sip_available: engine === 'sip',
      blocker: null,
    },
    settings: { engine: 'auto', bridge_phone: MY_PHONE, ring_bridge_phone: false, caller_id: OWN_NUMBER, ringtone_device: null, microphone: null, speaker: null, sip_microphone: null, sip_speaker: null },
    caller_ids: [
      { number: OWN_NUMBER, display: '(415) 867-5309', friendly_name: 'Main line' },
      { number: OTHER_NUMBER, display: '(415) 555-0100', friendly_name: null },
    ],
    caller_ids_error: null,
    caller_id: OWN_NUMBER,
    country: 'US',
    identity: 'switchboard-default',
    active: [],
    ...overrides,
  };
}

/** A call as the core describes it, placing by default. */
export function callView(overrides: Partial<CallView> = {}): CallView {
  return {
    id: 'sb-0123456789abcdef0123456789abcdef',
    engine: 'bridge',
    direction: 'outbound',
    remote: REMOTE,
    remote_display: '(415) 555-0123',
    caller_id: OWN_NUMBER,
    phase: 'placing',
    on_hold: false,
    muted: false,
    recording: 'off',
    you_sid: null,
    them_sid: null,
    answered_at: null,
    ended_at: null,
    end_reason: null,
    notice: null,
    quality: null,
    revision: 0,
    ...overrides,
  };
}

/** A SIP call's quality as the core measures it, before the first RTCP report (no round trip). */
export function quality(overrides: Partial<CallQuality> = {}): CallQuality {
  return {
    codec: 'PCMU',
    encrypted: false,
    jitter_ms: 3.4,
    loss_percent: 0.5,
    rtt_ms: null,
    delay_ms: 60,
    mos: 4.32,
    received: 1500,
    lost: 8,
    underruns: 0,
    concealed: 2,
    ...overrides,
  };
}
