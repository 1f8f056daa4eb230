import { describe, expect, it } from 'vitest';
import { caretAfter, cleanNumber, countryName, dialledBefore, isDialKey, keyAction, KEYPAD, loadFormatter, plainFormatter, pressKey } from './phone-format';

describe('the keypad', () => {
  it('has the twelve keys of a phone, with their letters, 0 carrying +', () => {
    expect(KEYPAD.map((k) => k.key).join('')).toBe('123456789*0#');
    expect(KEYPAD.find((k) => k.key === '7')!.letters).toBe('PQRS');
    expect(KEYPAD.find((k) => k.key === '0')!.letters).toBe('+');
  });

  it('knows which keys a touch tone can carry', () => {
    expect([...'0123456789*#'].every(isDialKey)).toBe(true);
    expect(isDialKey('+')).toBe(false);
    expect(isDialKey('a')).toBe(false);
    expect(isDialKey('12')).toBe(false);
  });
});

describe('what may be typed', () => {
  it('keeps digits, * and #, and + only at the start', () => {
    expect(cleanNumber(' +1 (415) 555-0123 ')).toBe('+14155550123');
    expect(cleanNumber('41+5')).toBe('415');
    expect(cleanNumber('*67 415.555.0123#')).toBe('*674155550123#');
  });

  it('turns letters into their keypad digits', () => {
    expect(cleanNumber('1-800-FLOWERS')).toBe('18003569377');
    expect(cleanNumber('1-800-flowers')).toBe('18003569377');
  });

  it('presses keys, + only into an empty number', () => {
    expect(pressKey('', '+')).toBe('+');
    expect(pressKey('+4', '4')).toBe('+44');
    expect(pressKey('44', '+')).toBe('44');
  });
});

describe('the keyboard on the dialer', () => {
  it('dials digits, *, # and +, deletes with Backspace, calls with Enter', () => {
    expect(keyAction({ key: '5' })).toEqual({ kind: 'key', key: '5' });
    expect(keyAction({ key: '#' })).toEqual({ kind: 'key', key: '#' });
    expect(keyAction({ key: '*' })).toEqual({ kind: 'key', key: '*' });
    expect(keyAction({ key: '+' })).toEqual({ kind: 'key', key: '+' });
    expect(keyAction({ key: 'Backspace' })).toEqual({ kind: 'backspace' });
    expect(keyAction({ key: 'Enter' })).toEqual({ kind: 'call' });
  });

  it('leaves shortcuts and other keys alone', () => {
    expect(keyAction({ key: '5', ctrlKey: true })).toBeNull();
    expect(keyAction({ key: '1', metaKey: true })).toBeNull();
    expect(keyAction({ key: '1', altKey: true })).toBeNull();
    expect(keyAction({ key: 'a' })).toBeNull();
    expect(keyAction({ key: 'Tab' })).toBeNull();
  });
});

describe('the caret through formatting', () => {
  it('stays after the same dialled character once the number is reformatted', () => {
    // Typed "415" then "5" at the end of "(415) 555-01|23"-like text.
    expect(dialledBefore('(415) 555-01', 12)).toBe(8);
    expect(caretAfter('(415) 555-0123', 8)).toBe(12);
    expect(caretAfter('(415) 555-0123', 0)).toBe(0);
    expect(caretAfter('(415) 555-0123', 3)).toBe(4);
    expect(caretAfter('415', 9)).toBe(3);
  });
});

describe('formatting as you type', () => {
  it('shows numbers as typed until the formatter has loaded', () => {
    expect(plainFormatter.format('4155550123', 'US')).toBe('4155550123');
    expect(plainFormatter.countries()).toEqual([]);
  });

  it('formats national and international numbers the way their country writes them', async () => {
    const f = await loadFormatter();
    expect(f.format('4155550123', 'US')).toBe('(415) 555-0123');
    expect(f.format('415555', 'US')).toBe('(415) 555');
    expect(f.format('02071838750', 'GB')).toBe('020 7183 8750');
    expect(f.format('+442071838750', 'US'), 'a + number ignores the picker').toBe('+44 20 7183 8750');
    expect(f.format('0612345678', 'FR')).toBe('06 12 34 56 78');
  });

  it('leaves service codes with * or # as typed, and survives an unknown country', async () => {
    const f = await loadFormatter();
    expect(f.format('*67', 'US')).toBe('*67');
    expect(f.format('4155550123#', 'US')).toBe('4155550123#');
    expect(f.format('4155550123', 'ZZ')).toBe('4155550123');
    expect(f.format('', 'US')).toBe('');
  });

  it('lists countries by name with their calling codes', async () => {
    const countries = (await loadFormatter()).countries();
    expect(countries.length).toBeGreaterThan(200);
    expect(countries.find((c) => c.code === 'GB')).toEqual({ code: 'GB', name: 'United Kingdom', dial: '44' });
    expect(countries.find((c) => c.code === 'US')!.dial).toBe('1');
    const names = countries.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('names a region the runtime does not know by its code', () => {
    expect(countryName('XX', { of: () => undefined })).toBe('XX');
    expect(countryName('US')).toBe('United States');
  });
});
