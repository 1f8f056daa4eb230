/**
 * The last `SyncStatus` Rust reported, shared by the sidebar's sync line and its Voicemail badge
 * (`unread_voicemails`). SyncIndicator, mounted while an account is connected, loads it and keeps
 * it current on `sync://finished`, `voicemail://heard` and `voicemail://new`; the inbox calls
 * {@link refreshUnread} after each change it makes (read, unread, archive, delete, restore).
 */
import { syncStatus as fetchSyncStatus } from './api/sync';
import type { SyncStatus } from './bindings';

export const syncStatus = $state<{ current: SyncStatus | null }>({ current: null });

/** Counts requests, so that an answer is dropped once something newer is known. */
let latest = 0;

/** Takes a status Rust sent (`sync://finished`): no answer to an earlier request replaces it. */
export function setSyncStatus(status: SyncStatus | null): void {
  latest++;
  syncStatus.current = status;
}

/** Asks Rust for the status; only the newest request's answer is kept. Rejects with an `IpcError`. */
export async function refreshSyncStatus(): Promise<void> {
  const request = ++latest;
  const status = await fetchSyncStatus();
  if (request === latest) syncStatus.current = status;
}

/** {@link refreshSyncStatus} after a change: a failure keeps the last count (the badge is a hint). */
export function refreshUnread(): void {
  refreshSyncStatus().catch(() => {});
}
