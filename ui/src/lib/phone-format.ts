/**
 * The dialer's number field: what may be typed, the keypad and its keyboard, and as-you-type
 * formatting. Formatting uses libphonenumber-js with its smallest metadata, loaded the first time
 * the dialer asks for it (never in the initial bundle); until then, and for anything with `*` or
 * `#` in it, the number shows as typed. Parsing for real happens in Rust (`start_call`).
 */

export { cleanNumber, isDialKey, KEYPAD, type DialKey } from './dial-number';
import { cleanNumber, isDialKey, type DialKey } from './dial-number';

/** `raw` with a key pressed on the keypad (`+` only as the first character). */
export function pressKey(raw: string, key: DialKey | '+'): string {
  if (key === '+') return raw === '' ? '+' : raw;
  return raw + key;
}

/** What a key press on the dialer means, when focus is not in a text field. */
export type KeyAction = { kind: 'key'; key: DialKey | '+' } | { kind: 'backspace' } | { kind: 'call' };

/** The dialer's meaning of a key press; `null` for keys it leaves alone (and with Ctrl, ⌘ or Alt). */
export function keyAction(event: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }): KeyAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.key === 'Backspace') return { kind: 'backspace' };
  if (event.key === 'Enter') return { kind: 'call' };
  if (event.key === '+') return { kind: 'key', key: '+' };
  if (isDialKey(event.key)) return { kind: 'key', key: event.key };
  return null;
}

/** How many of the dialled characters (see {@link cleanNumber}) come before `caret` in `text`. */
export function dialledBefore(text: string, caret: number): number {
  return cleanNumber(text.slice(0, caret)).length;
}

/** Where the caret goes in `formatted` to sit after its first `count` dialled characters. */
export function caretAfter(formatted: string, count: number): number {
  if (count <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < formatted.length; i++) {
    if (/[0-9*#+]/.test(formatted[i]!)) seen++;
    if (seen === count) return i + 1;
  }
  return formatted.length;
}

/** A country of the picker. */
export interface Country {
  /** ISO 3166-1 alpha-2. */
  code: string;
  /** The name, in English. */
  name: string;
  /** The calling code, without `+`. */
  dial: string;
}

/** Formats numbers as they are typed; {@link plainFormatter} until the real one has loaded. */
export interface Formatter {
  /** `raw` (as {@link cleanNumber} leaves it) formatted for people, read in `country` when it has no `+`. */
  format(raw: string, country: string | null): string;
  /** The countries numbers can be read in, by name. */
  countries(): Country[];
}

/** Shows numbers as typed, and knows no countries. */
export const plainFormatter: Formatter = {
  format: (raw) => raw,
  countries: () => [],
};

/** The name of a region, or its code when the runtime has no name for it. */
export function countryName(code: string, names?: { of(code: string): string | undefined }): string {
  try {
    return (names ?? new Intl.DisplayNames(['en'], { type: 'region' })).of(code) ?? code;
  } catch {
    return code;
  }
}

let loading: Promise<Formatter> | null = null;

/** Loads libphonenumber-js (min metadata) once; later calls share the first load. */
export function loadFormatter(): Promise<Formatter> {
  loading ??= import('libphonenumber-js/min').then(({ AsYouType, getCountries, getCountryCallingCode }) => {
    let listed: Country[] | null = null;
    return {
      format(raw: string, country: string | null): string {
        // AsYouType drops `*` and `#`; codes such as *67 are shown as typed.
        if (raw === '' || /[*#]/.test(raw)) return raw;
        const known = country && (getCountries() as string[]).includes(country) ? (country as Parameters<typeof getCountryCallingCode>[0]) : undefined;
        return new AsYouType(known).input(raw);
      },
      countries(): Country[] {
        if (!listed) {
          const names = new Intl.DisplayNames(['en'], { type: 'region' });
          listed = getCountries()
            .map((code) => ({ code, name: countryName(code, names), dial: getCountryCallingCode(code) }))
            .sort((a, b) => a.name.localeCompare(b.name, 'en'));
        }
        return listed;
      },
    };
  });
  return loading;
}
