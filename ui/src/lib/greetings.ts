/** Wording and the exact TwiML of greetings, kept pure so they are unit-tested. */
import type { Greeting, GreetingKind, OpeningHours, Say } from './bindings';

/** Amazon Polly voices Twilio speaks with, and their language. */
export const VOICES: readonly { voice: string; language: string; label: string }[] = [
  { voice: 'Polly.Joanna-Neural', language: 'en-US', label: 'Joanna (US English)' },
  { voice: 'Polly.Matthew-Neural', language: 'en-US', label: 'Matthew (US English)' },
  { voice: 'Polly.Amy-Neural', language: 'en-GB', label: 'Amy (British English)' },
  { voice: 'Polly.Brian-Neural', language: 'en-GB', label: 'Brian (British English)' },
  { voice: 'Polly.Olivia-Neural', language: 'en-AU', label: 'Olivia (Australian English)' },
  { voice: 'Polly.Lea-Neural', language: 'fr-FR', label: 'Léa (French)' },
  { voice: 'Polly.Vicki-Neural', language: 'de-DE', label: 'Vicki (German)' },
  { voice: 'Polly.Lucia-Neural', language: 'es-ES', label: 'Lucía (Spanish)' },
];

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** The `<Say>` callers get, exactly as Twilio's helper libraries write it. */
export function sayTwiml(say: Say): string {
  const attrs = [say.voice && ` voice="${escapeXml(say.voice)}"`, say.language && ` language="${escapeXml(say.language)}"`]
    .filter(Boolean)
    .join('');
  return `<Say${attrs}>${escapeXml(say.text)}</Say>`;
}

/** "Mon–Fri 09:00–17:30" for a window; consecutive days are joined into a range. */
export function hoursLabel(w: OpeningHours): string {
  const days = [...w.days].sort((a, b) => a - b);
  const name = (d: number) => DAY_NAMES[d] ?? '?';
  const runs: string[] = [];
  let start = 0;
  days.forEach((day, i) => {
    const next = days[i + 1];
    if (next === day + 1) return;
    const run = days.slice(start, i + 1);
    runs.push(run.length > 2 ? `${name(run[0] ?? 0)}–${name(day)}` : run.map(name).join(', '));
    start = i + 1;
  });
  return `${runs.join(', ')} ${w.from}–${w.to}`;
}

/** When a greeting plays, in words. */
export function whenLabel(g: Greeting): string {
  switch (g.kind) {
    case 'default':
      return 'When nothing else applies';
    case 'after_hours':
      return `Outside ${(g.open ?? []).map(hoursLabel).join('; ')}`;
    case 'holiday':
      return g.from === g.to ? `On ${g.from}` : `${g.from} to ${g.to}`;
  }
}

/** `text` with each term said as given: whole words, any case, longer terms first (as the core does). */
export function pronounce(text: string, list: readonly { term: string; say_as: string }[]): string {
  const sorted = list.filter((p) => p.term !== '').sort((a, b) => [...b.term].length - [...a.term].length);
  const chars = [...text];
  const lower = chars.map((c) => c.toLowerCase());
  const alnum = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
  let out = '';
  let i = 0;
  outer: while (i < chars.length) {
    if (i === 0 || !alnum(chars[i - 1])) {
      for (const p of sorted) {
        const term = [...p.term.toLowerCase()];
        const end = i + term.length;
        if (end <= chars.length && term.every((c, k) => lower[i + k] === c) && !alnum(chars[end])) {
          out += p.say_as;
          i = end;
          continue outer;
        }
      }
    }
    out += chars[i];
    i += 1;
  }
  return out;
}

/** The schedule fields both ways of creating a greeting share (text-to-speech and recorded). */
export interface ScheduleForm {
  /** Open on each day, Sunday first. */
  days: readonly boolean[];
  /** `HH:MM`. */
  openFrom: string;
  /** `HH:MM`; `00:00` means the end of the day. */
  openTo: string;
  /** `YYYY-MM-DD`. */
  holidayFrom: string;
  /** `YYYY-MM-DD`; empty for a one-day holiday. */
  holidayTo: string;
}

/** The schedule part of `GreetingInput` and `RecordedGreetingInput`. */
export type Schedule = { open?: OpeningHours[]; from?: string; to?: string };

/**
 * What a greeting of `kind` sends for its schedule, or why the form cannot be sent: opening
 * hours for after-hours greetings (closing at `00:00` is the end of the day), a date range for
 * holidays (one day when the last is empty), nothing for the default one.
 */
export function scheduleFor(kind: GreetingKind, form: ScheduleForm): Schedule | { error: string } {
  switch (kind) {
    case 'default':
      return {};
    case 'after_hours': {
      const days = form.days.flatMap((on, i) => (on ? [i] : []));
      if (days.length === 0) return { error: 'Pick the days you are open.' };
      return { open: [{ days, from: form.openFrom, to: form.openTo === '00:00' ? '24:00' : form.openTo }] };
    }
    case 'holiday':
      if (form.holidayFrom === '') return { error: 'Pick the first day of the holiday.' };
      if (form.holidayTo !== '' && form.holidayTo < form.holidayFrom) return { error: 'The last day of the holiday is before its first.' };
      return { from: form.holidayFrom, to: form.holidayTo || form.holidayFrom };
  }
}
