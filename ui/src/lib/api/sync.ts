/** Syncing the local copy with Twilio, and its events. */
import { call, subscribe } from '../backend';
import type { IpcError, SyncProgress, SyncReport, SyncStatus } from '../bindings';

/** The last sync's outcome and the unread count; `null` before the first sync. */
export function syncStatus(): Promise<SyncStatus | null> {
  return call('sync_status', {});
}

/** Syncs now (voicemail, calls, numbers). */
export function syncNow(): Promise<SyncReport> {
  return call('sync_now', {});
}

export function onSyncProgress(handler: (progress: SyncProgress) => void): () => void {
  return subscribe('sync://progress', handler);
}

/** Every finished sync, whoever started it (the schedule, the sidebar, Settings). */
export function onSyncFinished(handler: (status: SyncStatus) => void): () => void {
  return subscribe('sync://finished', handler);
}

export function onSyncFailed(handler: (error: IpcError) => void): () => void {
  return subscribe('sync://failed', handler);
}
