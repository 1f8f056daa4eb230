/** Values shared by the unit tests, shaped as the Rust side sends them. */
import type { AppStatus, CredentialFieldErrors, Profile } from './bindings';
import type { CredentialsForm } from './onboarding';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const API_KEY_SID = 'SK0123456789abcdef0123456789abcdef';
export const SECRET = 'secretsecretsecretsecretsecret12';

export const PROFILE: Profile = {
  name: 'default',
  account_sid: ACCOUNT_SID,
  account_name: 'Acme Plumbing',
  api_key_sid: API_KEY_SID,
  region: null,
  edge: null,
  subaccount_sid: null,
};

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
