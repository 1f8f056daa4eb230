/** Wording of the voicemail inbox, kept pure so it is unit-tested. */
import type { ArchiveOutcome, Voicemail } from './bindings';

/** What the transcript area says when there is no text. */
export function transcriptState(v: Pick<Voicemail, 'transcription_status' | 'transcript'>): string {
  switch (v.transcription_status) {
    case 'in-progress':
      return 'Transcript pending: Twilio is still transcribing this message.';
    case 'failed':
      return 'Twilio could not transcribe this message.';
    case 'completed':
      return 'The transcript is empty (the caller may not have spoken).';
    default:
      return 'No transcript for this message.';
  }
}

/** The first line of the transcript, or its state, for the list. */
export function firstLine(v: Pick<Voicemail, 'transcription_status' | 'transcript'>): string {
  const text = v.transcript?.trim();
  if (text) return text.length > 90 ? `${text.slice(0, 89)}…` : text;
  return v.transcription_status === 'in-progress' ? 'Transcript pending…' : v.transcription_status === 'failed' ? 'Transcription failed' : 'No transcript';
}

/** "Nov 23, 14:05" in the user's locale and time zone, from Unix seconds. */
export function leftAt(seconds: number, locale = 'en-US'): string {
  return new Date(seconds * 1000).toLocaleString(locale, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/**
 * When it was left, as short as a mail list puts it: the time for today, the day for this year,
 * the date with its year before that. `now` is Unix milliseconds.
 */
export function listedAt(seconds: number, now = Date.now(), locale = 'en-US'): string {
  const at = new Date(seconds * 1000);
  const today = new Date(now);
  if (at.toDateString() === today.toDateString()) {
    return at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
  }
  const sameYear = at.getFullYear() === today.getFullYear();
  return at.toLocaleDateString(locale, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** What the notice bar says once a voicemail is archived: where the S3 copy is, or just that it is archived. */
export function archivedText(outcome: Pick<ArchiveOutcome, 'key' | 'delete_queued'>): string {
  if (!outcome.key) return 'Archived.';
  const archived = `Archived to S3 as ${outcome.key}`;
  return outcome.delete_queued ? `${archived}; the copy is verified, so Twilio’s will be deleted.` : archived;
}

/** Who left it, as the list, the detail and the notices name the caller. */
export function callerLabel(v: Pick<Voicemail, 'caller' | 'caller_display'>, unknown = 'Unknown caller'): string {
  return v.caller_display ?? v.caller ?? unknown;
}

/**
 * The number that was called, nationally when it is a North American one ("(415) 867-5309"),
 * as Rust formats the caller's; any other is shown as stored.
 */
export function calledLabel(called: string): string {
  const nanp = /^\+1([2-9]\d{2})([2-9]\d{2})(\d{4})$/.exec(called);
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : called;
}

/**
 * Which voicemail to select once the list is `after`, `before` having held `selected`: the same
 * one when it is still there, else the one that took its place (the next of `before` still
 * listed), else the nearest earlier one, else the first.
 */
export function nextSelection(before: readonly string[], after: readonly string[], selected: string | null): string | null {
  const listed = new Set(after);
  if (selected !== null && listed.has(selected)) return selected;
  const at = selected === null ? -1 : before.indexOf(selected);
  if (at >= 0) {
    for (let i = at + 1; i < before.length; i++) if (listed.has(before[i]!)) return before[i]!;
    for (let i = at - 1; i >= 0; i--) if (listed.has(before[i]!)) return before[i]!;
  }
  return after[0] ?? null;
}
