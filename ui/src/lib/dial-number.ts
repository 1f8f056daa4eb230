/**
 * What a phone number is to the dialer: the keypad's keys, and a typed number reduced to what a
 * phone dials. The dialer store needs this from the first load; the number field's editing and
 * formatting (phone-format.ts, which re-exports this) load with the Dialer view.
 */

/** A key of a phone's keypad. */
export type DialKey = '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '0' | '#';

/** The keypad in reading order, with the letters printed under each digit. */
export const KEYPAD: readonly { key: DialKey; letters: string }[] = [
  { key: '1', letters: '' },
  { key: '2', letters: 'ABC' },
  { key: '3', letters: 'DEF' },
  { key: '4', letters: 'GHI' },
  { key: '5', letters: 'JKL' },
  { key: '6', letters: 'MNO' },
  { key: '7', letters: 'PQRS' },
  { key: '8', letters: 'TUV' },
  { key: '9', letters: 'WXYZ' },
  { key: '*', letters: '' },
  { key: '0', letters: '+' },
  { key: '#', letters: '' },
];

const LETTER_DIGIT: Record<string, string> = Object.fromEntries(
  KEYPAD.flatMap(({ key, letters }) => (/\d/.test(key) ? [...letters].filter((l) => /[A-Z]/.test(l)).map((l) => [l, key]) : [])),
);

/** The keys a touch-tone (DTMF) may carry: the keypad's, without `+`. */
export function isDialKey(key: string): key is DialKey {
  return key.length === 1 && '0123456789*#'.includes(key);
}

/**
 * A number as typed, reduced to what a phone dials: digits, `*` and `#`, with a `+` only at the
 * start. Letters become their keypad digit (1-800-FLOWERS), spaces, dashes, dots and brackets go.
 */
export function cleanNumber(text: string): string {
  let out = '';
  for (const ch of text) {
    const upper = ch.toUpperCase();
    if (/[0-9*#]/.test(ch)) out += ch;
    else if (LETTER_DIGIT[upper]) out += LETTER_DIGIT[upper];
    else if (ch === '+' && out === '') out = '+';
  }
  return out;
}
