/**
 * The onboarding flow without its markup: what the form sends, in which order, and what the
 * user sees after each outcome. Rust is the source of truth for whether a field is well formed;
 * this module only trims what was typed (pasted values often carry spaces or a newline).
 */
import type { CredentialFieldErrors, CredentialsInput, Profile } from './bindings';
import { connectAccount, validateCredentials } from './api/account';
import { normaliseError } from './backend';
import { presentConnectError, type CredentialField, type ErrorPresentation } from './errors';

/** What the user typed, kept verbatim so nothing is lost after an error. */
export interface CredentialsForm {
  account_sid: string;
  api_key_sid: string;
  api_key_secret: string;
  /** Blank means the default profile. */
  profile_name: string;
}

export type FieldErrors = Record<CredentialField, string | null>;

export const NO_FIELD_ERRORS: Readonly<FieldErrors> = Object.freeze({
  account_sid: null,
  api_key_sid: null,
  api_key_secret: null,
  profile_name: null,
});

export function emptyForm(): CredentialsForm {
  return { account_sid: '', api_key_sid: '', api_key_secret: '', profile_name: '' };
}

/** The command input for a form: values trimmed, a blank profile name left out. */
export function toInput(form: CredentialsForm): CredentialsInput {
  const input: CredentialsInput = {
    account_sid: form.account_sid.trim(),
    api_key_sid: form.api_key_sid.trim(),
    api_key_secret: form.api_key_secret.trim(),
  };
  const name = form.profile_name.trim();
  if (name !== '') input.profile_name = name;
  return input;
}

/** The field errors worth showing, or `null` when Rust found every field well formed. */
export function fieldErrorsOf(errors: CredentialFieldErrors): FieldErrors | null {
  const found: FieldErrors = {
    account_sid: errors.account_sid ?? null,
    api_key_sid: errors.api_key_sid ?? null,
    api_key_secret: errors.api_key_secret ?? null,
    profile_name: errors.profile_name ?? null,
  };
  return Object.values(found).some((e) => e !== null) ? found : null;
}

/** The two commands the flow runs; injectable so the flow can be tested against other backends. */
export interface ConnectSteps {
  validate(input: CredentialsInput): Promise<CredentialFieldErrors>;
  connect(input: CredentialsInput): Promise<Profile>;
}

export const backendSteps: ConnectSteps = { validate: validateCredentials, connect: connectAccount };

/** `connecting` is the only phase that reaches Twilio (and may take seconds). */
export type Phase = 'validating' | 'connecting';

export type SubmitOutcome =
  /** Rust rejected the form of some fields; nothing was sent to Twilio. */
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'connected'; profile: Profile }
  | { kind: 'failed'; error: ErrorPresentation };

/**
 * Validates the form and, only when every field is well formed, connects the account.
 * Never rejects: every failure becomes an outcome.
 */
export async function submitCredentials(
  form: CredentialsForm,
  steps: ConnectSteps = backendSteps,
  onPhase: (phase: Phase) => void = () => {},
): Promise<SubmitOutcome> {
  const input = toInput(form);
  const failed = (reason: unknown): SubmitOutcome => ({
    kind: 'failed',
    error: presentConnectError(normaliseError(reason)),
  });
  onPhase('validating');
  let errors: FieldErrors | null;
  try {
    errors = fieldErrorsOf(await steps.validate(input));
  } catch (reason) {
    return failed(reason);
  }
  if (errors) return { kind: 'invalid', errors };
  onPhase('connecting');
  try {
    return { kind: 'connected', profile: await steps.connect(input) };
  } catch (reason) {
    return failed(reason);
  }
}

/** How one field is marked: invalid or not, and the ids of what describes it. */
export interface FieldState {
  invalid: boolean;
  /** Space-separated ids for `aria-describedby`, or `undefined` when nothing describes it. */
  describedBy: string | undefined;
}

/**
 * A field is invalid when Rust reported a problem with it, or when the connection failed
 * because of it (a key Twilio rejected); it is then described by that message.
 */
export function fieldState(
  field: CredentialField,
  errors: Readonly<FieldErrors>,
  failure: ErrorPresentation | null,
  ids: { error: string; hint?: string; failure: string },
): FieldState {
  const described: string[] = [];
  let invalid = false;
  if (errors[field] !== null) {
    invalid = true;
    described.push(ids.error);
  } else if (failure?.fields.includes(field)) {
    invalid = true;
    described.push(ids.failure);
  }
  if (ids.hint) described.push(ids.hint);
  return { invalid, describedBy: described.length > 0 ? described.join(' ') : undefined };
}

/** A profile as one line: its account's friendly name, else the account SID. */
export function accountLabel(profile: Profile): string {
  return profile.account_name?.trim() || profile.account_sid;
}
