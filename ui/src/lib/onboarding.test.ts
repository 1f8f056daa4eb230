import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import type { CredentialFieldErrors, CredentialsInput, IpcError, Profile } from './bindings';
import { presentConnectError } from './errors';
import {
  accountLabel,
  fieldErrorsOf,
  fieldState,
  NO_FIELD_ERRORS,
  submitCredentials,
  toInput,
  type Phase,
} from './onboarding';
import { ACCOUNT_SID, API_KEY_SID, NO_ERRORS, PROFILE, SECRET, typedForm } from '../../test/fixtures';

const TRIMMED: CredentialsInput = { account_sid: ACCOUNT_SID, api_key_sid: API_KEY_SID, api_key_secret: SECRET };
const BAD_SID = 'An Account SID starts with "AC". This looks like an API key SID.';

/**
 * A backend over the real IPC path (`backend.ts` → `invoke` → mock): `validate_credentials`
 * answers `validation`, `connect_account` answers each of `connects` in turn.
 */
function backend(validation: CredentialFieldErrors, ...connects: (Profile | IpcError)[]) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'validate_credentials') return validation;
    if (cmd === 'connect_account') {
      const next = connects.shift();
      if (!next) throw new Error('connect_account called more often than the test expected');
      if ('code' in next) throw next;
      return next;
    }
    throw new Error(`unexpected command ${cmd}`);
  });
  return { calls, commands: () => calls.map((c) => c.cmd) };
}

afterEach(() => clearMocks());

describe('toInput', () => {
  it('trims what was pasted and leaves out a blank profile name, so Rust applies its default', () => {
    expect(toInput(typedForm({ profile_name: '   ' }))).toStrictEqual(TRIMMED);
  });

  it('sends a profile name when one was typed', () => {
    expect(toInput(typedForm({ profile_name: ' Office ' })).profile_name).toBe('Office');
  });
});

describe('fieldErrorsOf', () => {
  it('is null when Rust found every field well formed', () => {
    expect(fieldErrorsOf(NO_ERRORS)).toBeNull();
  });

  it('keeps each field problem', () => {
    expect(fieldErrorsOf({ ...NO_ERRORS, api_key_secret: 'too short' })).toEqual({
      ...NO_FIELD_ERRORS,
      api_key_secret: 'too short',
    });
  });
});

describe('submitCredentials', () => {
  it('shows the field errors from validate_credentials and never calls connect_account', async () => {
    const ipc = backend({ ...NO_ERRORS, account_sid: BAD_SID });
    const outcome = await submitCredentials(typedForm({ account_sid: API_KEY_SID }));

    expect(outcome).toEqual({ kind: 'invalid', errors: { ...NO_FIELD_ERRORS, account_sid: BAD_SID } });
    expect(ipc.commands()).toEqual(['validate_credentials']);
  });

  it('connects with the same trimmed input once every field is well formed', async () => {
    const ipc = backend(NO_ERRORS, PROFILE);
    const phases: Phase[] = [];
    const outcome = await submitCredentials(typedForm(), undefined, (p) => phases.push(p));

    expect(outcome).toEqual({ kind: 'connected', profile: PROFILE });
    expect(ipc.calls).toEqual([
      { cmd: 'validate_credentials', args: { input: TRIMMED } },
      { cmd: 'connect_account', args: { input: TRIMMED } },
    ]);
    expect(phases).toEqual(['validating', 'connecting']);
  });

  it('presents a rejected key against the key fields, without echoing the secret', async () => {
    const rejection: IpcError = { code: 'unauthorized', message: 'Twilio did not accept this API key and secret.' };
    backend(NO_ERRORS, rejection);
    const outcome = await submitCredentials(typedForm());

    expect(outcome).toEqual({ kind: 'failed', error: presentConnectError(rejection) });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it('offers a retry after a network failure, and the retry can succeed', async () => {
    const ipc = backend(NO_ERRORS, { code: 'network', message: 'Could not reach api.twilio.com.' }, PROFILE);
    const form = typedForm();

    const first = await submitCredentials(form);
    expect(first.kind === 'failed' && first.error.retry).toBe(true);

    const second = await submitCredentials(form);
    expect(second).toEqual({ kind: 'connected', profile: PROFILE });
    expect(ipc.commands()).toEqual(['validate_credentials', 'connect_account', 'validate_credentials', 'connect_account']);
  });

  it('stops at a failing validate_credentials (e.g. denied by a capability) and reports it as internal', async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      throw 'validate_credentials not allowed by ACL';
    });
    const outcome = await submitCredentials(typedForm());

    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'internal', retry: false } });
    expect(calls).toEqual(['validate_credentials']);
  });

  it('leaves the form as typed, whatever happens', async () => {
    backend(NO_ERRORS, { code: 'timeout', message: 'Twilio did not answer in 30 seconds.' });
    const form = typedForm({ profile_name: 'Office' });
    const before = structuredClone(form);
    await submitCredentials(form);
    expect(form).toEqual(before);
  });
});

describe('fieldState', () => {
  const ids = { error: 'error-account-sid', hint: 'hint-account-sid', failure: 'connect-error' };

  it('is valid and described by its hint when nothing is wrong', () => {
    expect(fieldState('account_sid', NO_FIELD_ERRORS, null, ids)).toEqual({
      invalid: false,
      describedBy: 'hint-account-sid',
    });
  });

  it('is invalid and described by its own error first', () => {
    const errors = { ...NO_FIELD_ERRORS, account_sid: BAD_SID };
    expect(fieldState('account_sid', errors, null, ids)).toEqual({
      invalid: true,
      describedBy: 'error-account-sid hint-account-sid',
    });
  });

  it('is invalid and described by the form error when the connection failed because of it', () => {
    const failure = presentConnectError({ code: 'not_found', message: 'No such account.' });
    expect(fieldState('account_sid', NO_FIELD_ERRORS, failure, ids).describedBy).toBe('connect-error hint-account-sid');
    expect(fieldState('api_key_secret', NO_FIELD_ERRORS, failure, { ...ids, hint: 'h' })).toEqual({
      invalid: false,
      describedBy: 'h',
    });
  });

  it('is left undescribed when it has neither hint nor error', () => {
    expect(fieldState('profile_name', NO_FIELD_ERRORS, null, { error: 'e', failure: 'f' }).describedBy).toBeUndefined();
  });
});

describe('accountLabel', () => {
  it("uses the account's friendly name, else its SID", () => {
    expect(accountLabel(PROFILE)).toBe('Acme Plumbing');
    expect(accountLabel({ ...PROFILE, account_name: null })).toBe(ACCOUNT_SID);
    expect(accountLabel({ ...PROFILE, account_name: '  ' })).toBe(ACCOUNT_SID);
  });
});
