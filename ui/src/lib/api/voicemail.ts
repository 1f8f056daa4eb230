/**
 * The voicemail inbox: listing, searching, read/unread/delete/restore and archiving. Only the
 * Voicemail view uses these, so they load with it; the events the shell needs are in voicemail-events.ts.
 */
import { call } from '../backend';
import type { ArchiveOutcome, Voicemail, VoicemailAction, VoicemailFilter } from '../bindings';

/** The newest `limit` voicemails that `filter` shows. */
export function listVoicemails(filter: VoicemailFilter, limit: number): Promise<Voicemail[]> {
  return call('list_voicemails', { filter, limit });
}

/** Voicemails whose transcript or caller matches `query`. */
export function searchVoicemails(query: string): Promise<Voicemail[]> {
  return call('search_voicemails', { query });
}

export async function voicemailAction(recordingSid: string, action: VoicemailAction): Promise<void> {
  await call('voicemail_action', { recording_sid: recordingSid, action });
}

/** Archives locally and, when an S3 archive is set up, uploads and verifies the copy first. */
export function archiveVoicemail(recordingSid: string): Promise<ArchiveOutcome> {
  return call('archive_voicemail', { recording_sid: recordingSid });
}
