// What the fake backend answers unless a scenario says otherwise: the account, the app's status,
// and the audio devices, microphones and caller IDs the fakes offer. What the real-window tests
// describe too (the account, its numbers) comes from tests/fixtures/ui-fixtures.mjs.
import { ACCOUNT_SID, API_KEY_SID, CALLER_IDS, MAIN_NUMBER, profile, VIEWS } from '../../tests/fixtures/ui-fixtures.mjs';

export { ACCOUNT_SID, API_KEY_SID, CALLER_IDS, MAIN_NUMBER, VIEWS };
export const SECRET = 'xq7Secret0Only4Twilio9Eyes2aaaaa';

export const PROFILE = profile();

export const STATUS = {
  version: '0.1.0',
  profile: null,
  data_dir: '/home/ada/.local/share/app.switchboard.desktop',
  log_dir: '/home/ada/.local/share/app.switchboard.desktop/logs',
};

/** The app's status with an account connected. */
export const CONNECTED = { status: { ...STATUS, profile: PROFILE } };

export const NO_ERRORS = { account_sid: null, api_key_sid: null, api_key_secret: null, profile_name: null };

/** Output devices the fake player offers unless a scenario lists its own. */
export const DEVICES = [
  { id: 'pipewire:builtin', name: 'Built-in Audio Analog Stereo', is_default: true },
  { id: 'pipewire:usb-headset', name: 'USB Headset', is_default: false },
  { id: 'pipewire:hdmi', name: 'HDMI / DisplayPort 1', is_default: false },
];

/** Microphones the fake recorder offers unless a scenario lists its own. */
export const MICROPHONES = [
  { id: 'pipewire:builtin-mic', name: 'Built-in Audio Analog Stereo', is_default: true },
  { id: 'pipewire:usb-headset-mic', name: 'USB Headset Microphone', is_default: false },
];

export const MY_PHONE = '+14155550999';
