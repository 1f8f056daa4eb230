/**
 * What the sidebar says about the local cache: fresh, stale, syncing, offline. Pure, so the
 * wording is unit-tested; the component only feeds it events.
 */
import type { IpcError, SyncProgress, SyncStatus } from './bindings';

export interface SyncView {
  /** Where the cache stands (from `sync_status` or `sync://finished`). */
  status: SyncStatus | null;
  /** The page-by-page progress of a sync under way. */
  progress: SyncProgress | null;
  /** Whether a sync is under way. */
  running: boolean;
  /** Why the last sync failed, until one succeeds. */
  error: IpcError | null;
}

export type Tone = 'ok' | 'busy' | 'stale' | 'offline' | 'error';

export interface SyncLine {
  text: string;
  tone: Tone;
  /** A longer explanation for the tooltip and screen readers. */
  detail: string;
}

const OFFLINE_CODES = new Set(['network', 'timeout', 'rate_limited']);

/** "just now", "4 min ago", "3 h ago", "2 days ago". */
export function ago(seconds: number, now: number): string {
  const delta = Math.max(0, now - seconds);
  if (delta < 60) return 'just now';
  if (delta < 3600) return `${Math.floor(delta / 60)} min ago`;
  if (delta < 86_400) return `${Math.floor(delta / 3600)} h ago`;
  const days = Math.floor(delta / 86_400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

const RESOURCE_NAMES: Record<string, string> = {
  calls: 'calls',
  recordings: 'voicemails',
  transcriptions: 'transcripts',
};

/** The one line shown under the navigation. `now` is Unix seconds. */
export function describeSync(view: SyncView, now: number): SyncLine {
  const last = view.status?.last_synced_at ?? null;
  const data = last === null ? 'nothing cached yet' : `showing data from ${ago(last, now)}`;
  if (view.running) {
    const what = view.progress ? RESOURCE_NAMES[view.progress.resource] ?? view.progress.resource : null;
    const count = view.progress ? ` · ${view.progress.done.toLocaleString('en-US')}` : '';
    return {
      text: what ? `Syncing ${what}${count}` : 'Syncing…',
      tone: 'busy',
      detail: 'Bringing the local copy up to date with Twilio.',
    };
  }
  if (view.error) {
    if (OFFLINE_CODES.has(view.error.code)) {
      return {
        text: `Offline · ${data}`,
        tone: 'offline',
        detail: `${view.error.message} Cached data stays available; Switchboard retries on its own.`,
      };
    }
    return { text: 'Sync failed', tone: 'error', detail: view.error.message };
  }
  if (!view.status) return { text: 'Not synced yet', tone: 'stale', detail: 'Connect an account to sync.' };
  const pending = view.status.pending_changes;
  const suffix = pending > 0 ? ` · ${pending} change${pending === 1 ? '' : 's'} to send` : '';
  if (last === null) {
    return { text: `Not synced yet${suffix}`, tone: 'stale', detail: 'The first sync has not finished.' };
  }
  return {
    text: `Updated ${ago(last, now)}${suffix}`,
    tone: view.status.stale ? 'stale' : 'ok',
    detail: view.status.stale
      ? 'This data may be out of date: the last sync finished a while ago.'
      : 'The local copy matches Twilio as of the last sync.',
  };
}
