/** Voicemail events: the sidebar and the shell listen from the first load, so these stay apart from the inbox's commands. */
import { subscribe } from '../backend';
import type { Voicemail } from '../bindings';

/** A message Rust counted as heard (most of it played): its recording SID. */
export function onVoicemailHeard(handler: (recordingSid: string) => void): () => void {
  return subscribe('voicemail://heard', handler);
}

export function onVoicemailNew(handler: (voicemail: Voicemail) => void): () => void {
  return subscribe('voicemail://new', handler);
}

/** A notification or the tray asked to show a voicemail (`null`: the inbox). */
export function onVoicemailOpen(handler: (recordingSid: string | null) => void): () => void {
  return subscribe('voicemail://open', handler);
}
