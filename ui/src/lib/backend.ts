/**
 * The only module that talks to the Rust side. Every command goes through {@link call}, every
 * event through {@link on}; both are typed by the generated `bindings.ts`, and every failure
 * reaches callers as an {@link IpcError} whose `code` they can switch on. Views and components
 * use the domain modules in `api/` over these two, never `call` itself.
 */
import { invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { ERROR_CODES, type Code, type Commands, type Events, type IpcError } from './bindings';

export type { UnlistenFn };

const KNOWN_CODES: ReadonlySet<string> = new Set<Code>(ERROR_CODES);

/** Whether `value` is an error as the Rust side serializes it, with a code this UI knows. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && KNOWN_CODES.has(code) && typeof message === 'string';
}

/**
 * Turns whatever a failed IPC call rejected with into an {@link IpcError}.
 *
 * Rust commands reject with `{code, message}`; Tauri itself rejects with a bare string (an unknown
 * command, a capability that denies it), and a missing IPC bridge throws a `TypeError`. Those, and
 * codes this build does not know, become `internal` so an exhaustive `switch` stays total.
 */
export function normaliseError(reason: unknown): IpcError {
  if (isIpcError(reason)) return { code: reason.code, message: reason.message };
  if (typeof reason === 'string' && reason.trim() !== '') return { code: 'internal', message: reason };
  if (typeof reason === 'object' && reason !== null) {
    const message = (reason as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim() !== '') {
      return { code: 'internal', message };
    }
  }
  return { code: 'internal', message: 'Switchboard’s backend failed without saying why. The log file may have details.' };
}

/** What `call` rejects with when the page runs without Tauri's IPC bridge (a plain browser). */
export const NO_BACKEND: Readonly<IpcError> = Object.freeze({
  code: 'internal',
  message: 'Switchboard’s backend is not reachable: this window is not running inside the Switchboard app.',
});

function bridgePresent(): boolean {
  const internals = (globalThis as { __TAURI_INTERNALS__?: { invoke?: unknown } }).__TAURI_INTERNALS__;
  return typeof internals?.invoke === 'function';
}

/** Calls a Rust command with its arguments exactly as named in {@link Commands}. Rejects with an {@link IpcError}. */
export async function call<K extends keyof Commands>(
  cmd: K,
  args: Commands[K]['args'],
): Promise<Commands[K]['returns']> {
  if (!bridgePresent()) throw { ...NO_BACKEND };
  try {
    return await invoke<Commands[K]['returns']>(cmd, args as InvokeArgs);
  } catch (reason) {
    throw normaliseError(reason);
  }
}

/** Listens to a Rust event; resolves to the function that stops listening. Rejects with an {@link IpcError}. */
export async function on<E extends keyof Events>(
  event: E,
  handler: (payload: Events[E]) => void,
): Promise<UnlistenFn> {
  if (!bridgePresent()) throw { ...NO_BACKEND };
  try {
    return await listen<Events[E]>(event, (e) => handler(e.payload));
  } catch (reason) {
    throw normaliseError(reason);
  }
}

/**
 * {@link on} for component lifetimes: returns a synchronous stop function that also works when
 * called before the listener is registered. A listener that cannot be registered is reported to
 * `onError` (the app keeps working without live updates).
 */
export function subscribe<E extends keyof Events>(
  event: E,
  handler: (payload: Events[E]) => void,
  onError: (error: IpcError) => void = () => {},
): () => void {
  let stopped = false;
  let unlisten: UnlistenFn | undefined;
  on(event, (payload) => {
    if (!stopped) handler(payload);
  }).then(
    (fn) => {
      if (stopped) fn();
      else unlisten = fn;
    },
    onError,
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}
