/** How the onboarding form presents a failed `connect_account`, decided by the error's code. */
import type { Code, IpcError } from './bindings';

/** A credentials field of the onboarding form, named as in `CredentialsInput`. */
export type CredentialField = 'account_sid' | 'api_key_sid' | 'api_key_secret' | 'profile_name';

export interface ErrorPresentation {
  code: Code;
  /** A short headline. */
  title: string;
  /** The sentence from Rust, shown as is. */
  message: string;
  /** Fields to mark invalid because the error is about them; empty when it is about the form as a whole. */
  fields: readonly CredentialField[];
  /** Whether the same request may well succeed if repeated, so a "Try again" action is offered. */
  retry: boolean;
}

const KEY_FIELDS: readonly CredentialField[] = ['account_sid', 'api_key_sid', 'api_key_secret'];

function unhandled(code: never): never {
  throw new Error(`Unhandled error code: ${String(code)}`);
}

/** Maps every {@link Code}; adding a code to the Rust enum makes this fail to compile until it is handled. */
export function presentConnectError(error: IpcError): ErrorPresentation {
  const { code, message } = error;
  const present = (title: string, fields: readonly CredentialField[] = [], retry = false): ErrorPresentation => ({
    code,
    title,
    message,
    fields,
    retry,
  });
  switch (code) {
    case 'invalid_input':
      return present('Some details are not in the right form');
    case 'unauthorized':
      return present('Twilio did not accept these credentials', KEY_FIELDS);
    case 'forbidden':
      return present('This API key cannot use that account', ['account_sid', 'api_key_sid']);
    case 'not_found':
      return present('Twilio could not find that account', ['account_sid']);
    case 'network':
      return present('Could not reach Twilio', [], true);
    case 'timeout':
      return present('Twilio took too long to answer', [], true);
    case 'rate_limited':
      return present('Twilio asked Switchboard to slow down', [], true);
    case 'twilio':
      return present('Twilio returned an error');
    case 'keychain':
      return present('Could not save the secret in your keychain');
    case 'storage':
      return present('Could not save the account');
    case 'not_configured':
      return present('Switchboard is missing part of its setup');
    case 'internal':
      return present('Something went wrong inside Switchboard');
    default:
      return unhandled(code);
  }
}
