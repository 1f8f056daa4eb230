import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appStatus, connectAccount, openHelp, validateCredentials } from './api/account';
import { call, NO_BACKEND, normaliseError, on, subscribe } from './backend';
import type { CredentialsInput } from './bindings';
import { ACCOUNT_SID, API_KEY_SID, NO_ERRORS, PROFILE, SECRET, STATUS } from '../../test/fixtures';

const INPUT: CredentialsInput = { account_sid: ACCOUNT_SID, api_key_sid: API_KEY_SID, api_key_secret: SECRET };

/** Mocks the IPC with `answer` and records every command with its arguments. */
function recordIpc(answer: (cmd: string, args: unknown) => unknown = () => null) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      return answer(cmd, args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => clearMocks());

describe('call', () => {
  it('sends each command with its arguments named exactly as the Rust command declares them', async () => {
    const calls = recordIpc((cmd) =>
      cmd === 'app_status' ? STATUS
      : cmd === 'validate_credentials' ? NO_ERRORS
      : cmd === 'connect_account' ? PROFILE
      : null,
    );

    await appStatus();
    await validateCredentials(INPUT);
    await connectAccount(INPUT);
    await openHelp('api_keys');

    expect(calls).toEqual([
      { cmd: 'app_status', args: {} },
      { cmd: 'validate_credentials', args: { input: INPUT } },
      { cmd: 'connect_account', args: { input: INPUT } },
      { cmd: 'open_help', args: { topic: 'api_keys' } },
    ]);
  });

  it('resolves with what the command returned', async () => {
    recordIpc((cmd) => (cmd === 'connect_account' ? PROFILE : STATUS));
    await expect(appStatus()).resolves.toEqual(STATUS);
    await expect(call('connect_account', { input: INPUT })).resolves.toEqual(PROFILE);
    await expect(openHelp('account_sid')).resolves.toBeUndefined();
  });

  it('rejects with the {code, message} Rust sent, and nothing else it carried', async () => {
    recordIpc(() => {
      throw { code: 'unauthorized', message: 'Twilio did not accept the API key.', more_info: 'x' };
    });
    await expect(connectAccount(INPUT)).rejects.toStrictEqual({
      code: 'unauthorized',
      message: 'Twilio did not accept the API key.',
    });
  });

  it('turns a bare string rejection from Tauri (unknown command, denied by a capability) into internal', async () => {
    recordIpc(() => {
      throw 'Command connect_account not allowed by ACL';
    });
    await expect(connectAccount(INPUT)).rejects.toStrictEqual({
      code: 'internal',
      message: 'Command connect_account not allowed by ACL',
    });
  });

  it('says so when there is no IPC bridge at all (a plain browser)', async () => {
    clearMocks();
    await expect(appStatus()).rejects.toStrictEqual({ ...NO_BACKEND });
    await expect(on('profile://changed', () => {})).rejects.toMatchObject({ code: 'internal' });
  });
});

describe('normaliseError', () => {
  it('keeps every code the bindings declare', () => {
    expect(normaliseError({ code: 'rate_limited', message: 'Slow down.' })).toEqual({
      code: 'rate_limited',
      message: 'Slow down.',
    });
  });

  it.each([
    ['an unknown code', { code: 'teapot', message: 'I am a teapot.' }, 'I am a teapot.'],
    ['a code without a message', { code: 'network' }, undefined],
    ['an Error', new TypeError('x is not a function'), 'x is not a function'],
    ['null', null, undefined],
    ['a number', 42, undefined],
    ['an empty string', '  ', undefined],
  ])('turns %s into internal, keeping any message', (_, reason, message) => {
    const error = normaliseError(reason);
    expect(error.code).toBe('internal');
    if (message) expect(error.message).toBe(message);
    else expect(error.message).toMatch(/failed without saying why/);
  });
});

describe('on', () => {
  it('hands the handler the payload of each event until unlistened', async () => {
    recordIpc();
    const seen: unknown[] = [];
    const unlisten = await on('profile://changed', (profile) => seen.push(profile));

    await emit('profile://changed', PROFILE);
    unlisten();
    await emit('profile://changed', { ...PROFILE, name: 'later' });

    expect(seen).toEqual([PROFILE]);
  });
});

describe('subscribe', () => {
  it('never calls the handler once stopped, even when stopped before the listener was registered', async () => {
    recordIpc();
    const handler = vi.fn();
    const stop = subscribe('profile://changed', handler);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the registration finish
    await emit('profile://changed', PROFILE);
    expect(handler).not.toHaveBeenCalled();
  });

  it('delivers payloads while subscribed', async () => {
    recordIpc();
    const handler = vi.fn();
    const stop = subscribe('profile://changed', handler);
    await vi.waitFor(async () => {
      await emit('profile://changed', PROFILE);
      expect(handler).toHaveBeenCalledWith(PROFILE);
    });
    stop();
  });

  it('reports a listener that cannot be registered as an IpcError', async () => {
    mockIPC(() => {
      throw 'event.listen not allowed';
    });
    const onError = vi.fn();
    subscribe('profile://changed', () => {}, onError);
    await vi.waitFor(() =>
      expect(onError).toHaveBeenCalledWith({ code: 'internal', message: 'event.listen not allowed' }),
    );
  });
});
