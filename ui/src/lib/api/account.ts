/** The Twilio account: status, credentials, connecting, help pages and the active profile. */
import { call, subscribe } from '../backend';
import type { AppStatus, CredentialFieldErrors, CredentialsInput, HelpTopic, IpcError, Profile } from '../bindings';

/** Switchboard's version, directories and active profile. */
export function appStatus(): Promise<AppStatus> {
  return call('app_status', {});
}

/** Checks the form of each field (nothing leaves the machine); every value is `null` when all are well formed. */
export function validateCredentials(input: CredentialsInput): Promise<CredentialFieldErrors> {
  return call('validate_credentials', { input });
}

/** Checks the credentials with Twilio and, when they work, keeps them and makes the profile active. */
export function connectAccount(input: CredentialsInput): Promise<Profile> {
  return call('connect_account', { input });
}

/** Opens a Twilio help page in the user's browser. */
export async function openHelp(topic: HelpTopic): Promise<void> {
  await call('open_help', { topic });
}

/** Calls `handler` with each newly active profile; returns the stop function. */
export function onProfileChanged(handler: (profile: Profile) => void, onError?: (error: IpcError) => void): () => void {
  return subscribe('profile://changed', handler, onError);
}
