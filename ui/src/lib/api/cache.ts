/** The local copy itself: rebuilding it from Twilio (Settings only, so it loads with that view). */
import { call } from '../backend';
import type { SyncReport } from '../bindings';

/** Drops the local copy and fetches everything again. */
export function rebuildCache(): Promise<SyncReport> {
  return call('rebuild_cache', {});
}

/** Reads everything from Twilio now, removing what was deleted there (otherwise done daily). */
export function checkDeletions(): Promise<SyncReport> {
  return call('check_deletions', {});
}
