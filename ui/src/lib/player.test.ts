import { describe, expect, it } from 'vitest';
import type { PlaybackState } from './bindings';
import {
  clampPosition,
  durationLabel,
  formatTime,
  keyAction,
  keyTarget,
  playedFraction,
  positionAt,
  resamplePeaks,
  seekBy,
  SEEK_STEP_MS,
  SPEEDS,
  speedLabel,
  toggleAction,
  waveformPath,
} from './player';

describe('time wording', () => {
  it('writes m:ss, rounding down to the second shown', () => {
    const shown: [number, string][] = [[0, '0:00'], [999, '0:00'], [5_000, '0:05'], [59_999, '0:59'], [60_000, '1:00'], [754_300, '12:34'], [3_600_000, '60:00']];
    for (const [ms, text] of shown) expect(formatTime(ms), `${ms} ms`).toBe(text);
  });

  it('never shows a negative or broken time', () => {
    expect(formatTime(-1500)).toBe('0:00');
    expect(formatTime(Number.NaN)).toBe('0:00');
    expect(formatTime(Number.POSITIVE_INFINITY)).toBe('0:00');
  });

  it('labels list durations from whole seconds, and leaves unknown ones empty', () => {
    expect(durationLabel(30)).toBe('0:30');
    expect(durationLabel(125)).toBe('2:05');
    expect(durationLabel(null)).toBe('');
  });

  it('offers 0.75× to 2× in order', () => {
    expect(SPEEDS).toEqual([0.75, 1, 1.25, 1.5, 1.75, 2]);
    expect(SPEEDS.map(speedLabel)).toEqual(['0.75×', '1×', '1.25×', '1.5×', '1.75×', '2×']);
  });
});

describe('seeking', () => {
  it('moves by the step and stops at both ends', () => {
    expect(seekBy(10_000, SEEK_STEP_MS, 30_000)).toBe(15_000);
    expect(seekBy(10_000, -SEEK_STEP_MS, 30_000)).toBe(5_000);
    expect(seekBy(3_000, -SEEK_STEP_MS, 30_000)).toBe(0);
    expect(seekBy(28_000, SEEK_STEP_MS, 30_000)).toBe(30_000);
  });

  it('goes nowhere in a message of unknown length', () => {
    expect(clampPosition(5_000, 0)).toBe(0);
    expect(clampPosition(Number.NaN, 30_000)).toBe(0);
  });

  it('maps a click on the waveform to a whole-millisecond position', () => {
    expect(positionAt(0.5, 30_000)).toBe(15_000);
    expect(positionAt(1 / 3, 10_000)).toBe(3_333);
    expect(positionAt(-0.1, 30_000)).toBe(0);
    expect(positionAt(1.2, 30_000)).toBe(30_000);
  });

  it('highlights the played share, within 0..1', () => {
    expect(playedFraction(7_500, 30_000)).toBe(0.25);
    expect(playedFraction(40_000, 30_000)).toBe(1);
    expect(playedFraction(1_000, 0)).toBe(0);
  });
});

describe('play/pause', () => {
  const at = (recording_sid: string | null, state: PlaybackState) => ({ recording_sid, state });

  it('starts the shown voicemail when nothing, or another one, is loaded', () => {
    expect(toggleAction(null, 'RE1')).toBe('play');
    expect(toggleAction(at(null, 'idle'), 'RE1')).toBe('play');
    expect(toggleAction(at('RE2', 'playing'), 'RE1')).toBe('play');
  });

  it('pauses, resumes, and starts again once finished or failed', () => {
    expect(toggleAction(at('RE1', 'playing'), 'RE1')).toBe('pause');
    expect(toggleAction(at('RE1', 'paused'), 'RE1')).toBe('resume');
    expect(toggleAction(at('RE1', 'ended'), 'RE1')).toBe('play');
    expect(toggleAction(at('RE1', 'failed'), 'RE1')).toBe('play');
  });

  it('cancels a download that has not started playing', () => {
    expect(toggleAction(at('RE1', 'loading'), 'RE1')).toBe('stop');
  });
});

describe('keys', () => {
  it('maps the inbox keys when no field has the focus', () => {
    const keys = [' ', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', '/', 'e', 'Delete', 'Backspace', 'x', 'Enter'];
    expect(keys.map((k) => keyAction(k, 'other', false))).toEqual([
      'toggle', 'back', 'forward', 'previous', 'next', 'search', 'archive', 'delete', 'delete', null, null,
    ]);
  });

  it('leaves every key to a text field and a select, and the arrows to a slider', () => {
    for (const key of [' ', 'ArrowLeft', '/', 'e', 'Backspace']) {
      expect(keyAction(key, 'text', false)).toBeNull();
      expect(keyAction(key, 'select', false)).toBeNull();
    }
    expect(keyAction('ArrowLeft', 'range', false)).toBeNull();
    expect(keyAction('ArrowUp', 'range', false)).toBeNull();
    expect(keyAction(' ', 'range', false), 'space still plays after the volume was dragged').toBe('toggle');
    expect(keyAction('e', 'range', false)).toBe('archive');
  });

  it('does nothing with a modifier held (Ctrl+E, Cmd+Delete belong to the system)', () => {
    expect(keyAction('e', 'other', true)).toBeNull();
    expect(keyAction('Delete', 'other', true)).toBeNull();
  });

  it('tells text entry from the controls that only look like inputs', () => {
    expect(keyTarget({ tagName: 'INPUT', type: 'search' })).toBe('text');
    expect(keyTarget({ tagName: 'INPUT', type: 'password' })).toBe('text');
    expect(keyTarget({ tagName: 'INPUT' })).toBe('text');
    expect(keyTarget({ tagName: 'TEXTAREA' })).toBe('text');
    expect(keyTarget({ tagName: 'DIV', isContentEditable: true })).toBe('text');
    expect(keyTarget({ tagName: 'INPUT', type: 'range' })).toBe('range');
    expect(keyTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe('other');
    expect(keyTarget({ tagName: 'SELECT' })).toBe('select');
    expect(keyTarget({ tagName: 'BUTTON' })).toBe('other');
    expect(keyTarget(null)).toBe('other');
  });
});

describe('waveform', () => {
  it('keeps the loudest peak of each bar and scales the loudest bar to full height', () => {
    expect(resamplePeaks([0.1, 0.4, 0.2, 0.2], 2)).toEqual([1, 0.5]);
    expect(resamplePeaks([0, 0, 0], 2), 'silence stays flat, not divided by zero').toEqual([0, 0]);
    expect(resamplePeaks([], 3)).toEqual([0, 0, 0]);
  });

  it('stretches a short peak list over more bars', () => {
    expect(resamplePeaks([0.5, 1], 4)).toEqual([0.5, 0.5, 1, 1]);
  });

  it('draws one centred bar per slot, silence as a dot', () => {
    expect(waveformPath([1, 0], 8, 40)).toBe('M1 1V39M5 20V20');
  });

  it('fits as many bars as the width allows and no more', () => {
    const path = waveformPath(new Array(1000).fill(0.5), 398, 40);
    expect(path.match(/M/g)).toHaveLength(100);
    const xs = [...path.matchAll(/M([\d.]+) /g)].map((m) => Number(m[1]));
    expect(Math.max(...xs) + 1).toBeLessThanOrEqual(398);
  });
});
