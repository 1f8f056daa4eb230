/**
 * A card's commands to the core, one at a time: which one is running (to disable the buttons and
 * say "Saving…" on the one pressed), and why the last one failed.
 */
import type { IpcError } from './bindings';

export class Commands<Name extends string> {
  busy = $state<Name | null>(null);
  error = $state<IpcError | null>(null);

  /** Runs `work` as the command `name`; the last error is cleared first, and what it throws is kept. */
  async run(name: Name, work: () => Promise<void>): Promise<void> {
    this.busy = name;
    this.error = null;
    try {
      await work();
    } catch (e) {
      this.error = e as IpcError;
    } finally {
      this.busy = null;
    }
  }
}

/**
 * Loads what a view shows: `show` gets the answer, or `fail` the IpcError instead. `fail(null)`
 * comes first, so an old error goes as soon as the view asks again.
 */
export async function loadInto<T>(request: () => Promise<T>, show: (value: T) => void, fail: (error: IpcError | null) => void): Promise<void> {
  fail(null);
  try {
    show(await request());
  } catch (e) {
    fail(e as IpcError);
  }
}
