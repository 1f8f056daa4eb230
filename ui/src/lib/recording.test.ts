import { describe, expect, it } from 'vitest';
import type { Level } from './bindings';
import {
  clampTrim,
  clipping,
  dbLabel,
  formatPrecise,
  hear,
  HEARD_NOTHING,
  fractionOf,
  handleRange,
  METER_MARKS,
  METER_REST,
  meterAmplitude,
  meterScale,
  meterStep,
  minKept,
  moveHandle,
  nearestHandle,
  nudgeHandle,
  positionAtX,
  previewPosition,
  publishProblem,
  recordingClock,
  recordingProblem,
  secondsLabel,
  soundsSilent,
  takeBars,
  takeGain,
  takePath,
  toDb,
  type Meter,
} from './recording';

const level = (rms: number, peak: number, elapsed_ms: number): Level => ({ rms, peak, elapsed_ms });

/** Feeds `count` events 33 ms apart, starting after `from`. */
function feed(meter: Meter, count: number, rms: number, peak: number): Meter {
  let m = meter;
  for (let i = 1; i <= count; i++) m = meterStep(m, level(rms, peak, m.elapsedMs + 33));
  return m;
}

describe('meter scale', () => {
  it('is linear in decibels from -60 dBFS to 0 dBFS', () => {
    expect(toDb(1)).toBe(0);
    expect(toDb(0.1)).toBeCloseTo(-20, 10);
    expect(toDb(0)).toBe(-Infinity);
    expect(toDb(Number.NaN)).toBe(-Infinity);
    expect(meterScale(1)).toBe(1);
    expect(meterScale(0.1)).toBeCloseTo(2 / 3, 10); // -20 dB of 60
    expect(meterScale(0.001)).toBeCloseTo(0, 10); // -60 dB
    expect(meterScale(0.0001)).toBe(0); // below the floor
    expect(meterScale(0)).toBe(0);
    expect(meterScale(2)).toBe(1); // never past full
    // A tenfold drop in amplitude is the same distance anywhere on the scale.
    expect(meterScale(0.5) - meterScale(0.05)).toBeCloseTo(meterScale(0.05) - meterScale(0.005), 10);
  });

  it('inverts, and labels in whole decibels', () => {
    for (const a of [1, 0.5, 0.1, 0.01]) expect(meterAmplitude(meterScale(a))).toBeCloseTo(a, 10);
    expect(meterAmplitude(0)).toBe(0);
    expect(dbLabel(0.1)).toBe('−20 dB');
    expect(dbLabel(0.126)).toBe('−18 dB');
    expect(dbLabel(1)).toBe('0 dB');
    expect(dbLabel(0.0001)).toBe('−∞ dB');
    expect(dbLabel(0)).toBe('−∞ dB');
  });

  it('marks its scale where the decibels fall', () => {
    expect(METER_MARKS.map((m) => m.db)).toEqual([-48, -36, -24, -12, -6, 0]);
    expect(METER_MARKS.map((m) => Math.round(m.at * 100))).toEqual([20, 40, 60, 80, 90, 100]);
  });
});

describe('meterStep', () => {
  it('rises quickly to a steady level and settles on it', () => {
    const once = meterStep(METER_REST, level(0.1, 0.3, 33));
    // Most of the way after one 33 ms event (1 - e^(-33/25) ≈ 73 %).
    expect(once.level / meterScale(0.1)).toBeCloseTo(1 - Math.exp(-33 / 25), 10);
    expect(once.level).toBeLessThan(meterScale(0.1));
    const steady = feed(once, 10, 0.1, 0.3);
    expect(steady.level).toBeCloseTo(meterScale(0.1), 5);
  });

  it('falls at 24 dB per second, not at once, when the sound stops', () => {
    const loud = feed(METER_REST, 20, 0.5, 0.8);
    const second = feed(loud, 30, 0, 0); // 990 ms of silence
    const fell = (loud.level - second.level) * 60; // in dB
    expect(fell).toBeCloseTo(24 * 0.99, 5);
    expect(feed(second, 200, 0, 0).level).toBe(0);
  });

  it('holds the peak mark for a second, then lets it fall, never below the bar', () => {
    const hit = meterStep(METER_REST, level(0.05, 0.9, 33));
    expect(hit.peak).toBeCloseTo(meterScale(0.9), 10);
    const held = feed(hit, 29, 0.05, 0.1); // 957 ms later
    expect(held.peak).toBeCloseTo(meterScale(0.9), 10);
    const falling = feed(held, 10, 0.05, 0.1);
    expect(falling.peak).toBeLessThan(meterScale(0.9));
    expect(falling.peak).toBeGreaterThanOrEqual(falling.level);
    const louder = meterStep(falling, level(0.05, 1, falling.elapsedMs + 33));
    expect(louder.peak).toBe(1);
    expect(louder.heldMs).toBe(0);
  });

  it('takes its time step from elapsed_ms, so late or repeated events do not speed it up', () => {
    const loud = feed(METER_REST, 20, 0.5, 0.5);
    const repeated = meterStep(meterStep(loud, level(0, 0, loud.elapsedMs)), level(0, 0, loud.elapsedMs));
    expect(repeated.level).toBe(loud.level);
    const jump = meterStep(loud, level(0, 0, loud.elapsedMs + 10_000)); // capped at 250 ms
    expect((loud.level - jump.level) * 60).toBeCloseTo(24 * 0.25, 5);
  });

  it('warns of clipping for 1.5 s after a sample reaches full scale', () => {
    const clipped = meterStep(METER_REST, level(0.4, 1, 33));
    expect(clipping(clipped)).toBe(true);
    expect(clipping(feed(clipped, 40, 0.4, 0.5))).toBe(true); // 1.32 s
    expect(clipping(feed(clipped, 50, 0.4, 0.5))).toBe(false); // 1.65 s
    expect(clipping(METER_REST)).toBe(false);
  });
});

describe('recordingClock', () => {
  it('counts up and down against the 120 s limit', () => {
    expect(recordingClock(0)).toEqual({ elapsed: '0:00', remaining: '2:00', fraction: 0, ending: false });
    expect(recordingClock(12_400)).toMatchObject({ elapsed: '0:12', remaining: '1:48' });
    expect(recordingClock(12_400).fraction).toBeCloseTo(12.4 / 120, 10);
    expect(recordingClock(109_999).ending).toBe(false);
    expect(recordingClock(110_000)).toMatchObject({ remaining: '0:10', ending: true });
    expect(recordingClock(119_001)).toMatchObject({ elapsed: '1:59', remaining: '0:01' });
    expect(recordingClock(130_000)).toEqual({ elapsed: '2:00', remaining: '0:00', fraction: 1, ending: true });
    expect(recordingClock(-5)).toMatchObject({ elapsed: '0:00', remaining: '2:00' });
    expect(recordingClock(Number.NaN).elapsed).toBe('0:00');
  });

  it('formats trim positions to hundredths and lengths to tenths', () => {
    expect(formatPrecise(0)).toBe('0:00.00');
    expect(formatPrecise(7450)).toBe('0:07.45');
    expect(formatPrecise(61_005)).toBe('1:01.01');
    expect(formatPrecise(-3)).toBe('0:00.00');
    expect(secondsLabel(7450)).toBe('7.5 s');
    expect(secondsLabel(1000)).toBe('1.0 s');
  });
});

describe('trim handles', () => {
  const D = 8000;

  it('keeps a trim inside the take and at least a second long', () => {
    expect(clampTrim({ start_ms: 400, end_ms: 7600 }, D)).toEqual({ start_ms: 400, end_ms: 7600 });
    expect(clampTrim({ start_ms: -50, end_ms: 9000 }, D)).toEqual({ start_ms: 0, end_ms: 8000 });
    expect(clampTrim({ start_ms: 7900, end_ms: 8000 }, D)).toEqual({ start_ms: 7000, end_ms: 8000 });
    expect(clampTrim({ start_ms: 5000, end_ms: 3000 }, D)).toEqual({ start_ms: 5000, end_ms: 6000 });
    expect(clampTrim({ start_ms: 10.6, end_ms: 2000.4 }, D)).toEqual({ start_ms: 11, end_ms: 2000 });
    expect(clampTrim({ start_ms: Number.NaN, end_ms: Number.NaN }, D)).toEqual({ start_ms: 0, end_ms: 8000 });
    // A take under a second keeps all of itself.
    expect(minKept(600)).toBe(600);
    expect(clampTrim({ start_ms: 100, end_ms: 500 }, 600)).toEqual({ start_ms: 0, end_ms: 600 });
  });

  it('moves one handle, stopping at the edge and a second short of the other', () => {
    const t = { start_ms: 400, end_ms: 7600 };
    expect(moveHandle(t, 'start', 1200, D)).toEqual({ start_ms: 1200, end_ms: 7600 });
    expect(moveHandle(t, 'start', 7500, D)).toEqual({ start_ms: 6600, end_ms: 7600 });
    expect(moveHandle(t, 'start', -300, D)).toEqual({ start_ms: 0, end_ms: 7600 });
    expect(moveHandle(t, 'end', 9000, D)).toEqual({ start_ms: 400, end_ms: 8000 });
    expect(moveHandle(t, 'end', 0, D)).toEqual({ start_ms: 400, end_ms: 1400 });
    expect(handleRange(t, 'start', D)).toEqual({ min: 0, max: 6600 });
    expect(handleRange(t, 'end', D)).toEqual({ min: 1400, max: 8000 });
  });

  it('moves 50 ms per arrow key, a second per page, to the ends with Home and End', () => {
    const t = { start_ms: 400, end_ms: 7600 };
    expect(nudgeHandle(t, 'start', 'ArrowRight', D)).toEqual({ start_ms: 450, end_ms: 7600 });
    expect(nudgeHandle(t, 'start', 'ArrowUp', D)).toEqual({ start_ms: 450, end_ms: 7600 });
    expect(nudgeHandle(t, 'start', 'ArrowLeft', D)).toEqual({ start_ms: 350, end_ms: 7600 });
    expect(nudgeHandle(t, 'end', 'ArrowDown', D)).toEqual({ start_ms: 400, end_ms: 7550 });
    expect(nudgeHandle(t, 'end', 'PageUp', D)).toEqual({ start_ms: 400, end_ms: 8000 });
    expect(nudgeHandle(t, 'start', 'PageDown', D)).toEqual({ start_ms: 0, end_ms: 7600 });
    expect(nudgeHandle(t, 'start', 'Home', D)).toEqual({ start_ms: 0, end_ms: 7600 });
    expect(nudgeHandle(t, 'start', 'End', D)).toEqual({ start_ms: 6600, end_ms: 7600 });
    expect(nudgeHandle(t, 'end', 'Home', D)).toEqual({ start_ms: 400, end_ms: 1400 });
    expect(nudgeHandle(t, 'end', 'Enter', D)).toBeNull();
    // Eight presses from 0 reach 400; one more at the edge stays there.
    let s = { start_ms: 0, end_ms: 7600 };
    for (let i = 0; i < 8; i++) s = nudgeHandle(s, 'start', 'ArrowRight', D) ?? s;
    expect(s.start_ms).toBe(400);
    expect(nudgeHandle({ start_ms: 0, end_ms: 7600 }, 'start', 'ArrowLeft', D)).toEqual({ start_ms: 0, end_ms: 7600 });
  });

  it('maps pointer positions to the take, snapped to 10 ms', () => {
    expect(positionAtX(0, 400, D)).toBe(0);
    expect(positionAtX(200, 400, D)).toBe(4000);
    expect(positionAtX(101, 400, D)).toBe(2020);
    expect(positionAtX(-20, 400, D)).toBe(0);
    expect(positionAtX(999, 400, D)).toBe(8000);
    expect(positionAtX(50, 0, D)).toBe(0);
    expect(fractionOf(2000, D)).toBe(0.25);
    expect(fractionOf(9000, D)).toBe(1);
    expect(fractionOf(10, 0)).toBe(0);
    expect(nearestHandle({ start_ms: 400, end_ms: 7600 }, 1000)).toBe('start');
    expect(nearestHandle({ start_ms: 400, end_ms: 7600 }, 7000)).toBe('end');
  });
});

describe('take waveform', () => {
  it('remembers the loudest level heard, and calls a take silent only when every level was', () => {
    let heard = HEARD_NOTHING;
    expect(soundsSilent(heard)).toBe(false); // nothing heard is not known to be silent
    for (const [rms, peak, ms] of [[0.004, 0.01, 33], [0.006, 0.02, 66], [0.002, 0.005, 99]] as const) heard = hear(heard, level(rms, peak, ms));
    expect(heard).toEqual({ rms: 0.006, peak: 0.02, levels: 3 });
    expect(soundsSilent(heard)).toBe(true);
    expect(soundsSilent(hear(heard, level(0.05, 0.2, 132)))).toBe(false);
  });

  it('draws Rust’s normalized peaks full height, unless the take was near silence', () => {
    expect(takeGain(HEARD_NOTHING)).toBe(1);
    expect(takeGain({ rms: 0.1, peak: 0.6, levels: 90 })).toBe(1);
    expect(takeGain({ rms: 0.02, peak: 0.05, levels: 90 })).toBe(1);
    expect(takeGain({ rms: 0.001, peak: 0.0025, levels: 90 })).toBeCloseTo(0.05, 10);
    expect(takeBars([0.4, 1, 0.2], 3)).toEqual([0.4, 1, 0.2]);
    expect(takeBars([0.4, 1, 0.2], 3, 0.5)).toEqual([0.2, 0.5, 0.1]);
    expect(takeBars([0.4, 1, 0.2], 3, 7)).toEqual([0.4, 1, 0.2]);
    expect(takeBars([], 4)).toEqual([0, 0, 0, 0]);
  });

  it('draws one bar per 4 px, centred, the loudest spanning the box', () => {
    expect(takePath([0.2, 1, 0.5, 0], 16, 40)).toBe('M1 17V23M5 1V39M9 11V29M13 20V20');
    expect(takePath([0.2, 1, 0.5, 0], 16, 40, 0.05)).toBe('M1 20V20M5 20V20M9 20V20M13 20V20');
    expect(takePath([0, 0], 0, 40)).toBe('');
  });
});

describe('previewPosition', () => {
  const played = { start_ms: 1000, end_ms: 6000 };
  const base = { recording_sid: 'take', position_ms: 1500 };

  it('counts from the start of the trim it plays, on the whole take', () => {
    expect(previewPosition({ ...base, state: 'playing' }, played)).toBe(2500);
    expect(previewPosition({ ...base, state: 'paused' }, played)).toBe(2500);
    expect(previewPosition({ ...base, state: 'loading', position_ms: 0 }, played)).toBe(1000);
    expect(previewPosition({ ...base, state: 'playing', position_ms: 99_000 }, played)).toBe(6000);
  });

  it('is null when the player holds something else, or is done', () => {
    expect(previewPosition({ ...base, state: 'ended' }, played)).toBeNull();
    expect(previewPosition({ ...base, state: 'idle' }, played)).toBeNull();
    expect(previewPosition({ ...base, recording_sid: 'RE1', state: 'playing' }, played)).toBeNull();
    expect(previewPosition({ ...base, state: 'playing' }, null)).toBeNull();
    expect(previewPosition(null, played)).toBeNull();
  });
});

describe('problems', () => {
  it('names a missing and a denied microphone, and keeps Rust’s sentence', () => {
    expect(recordingProblem({ code: 'not_found', message: 'No microphone is connected.' })).toEqual({
      title: 'No microphone found',
      message: 'No microphone is connected.',
    });
    expect(recordingProblem({ code: 'forbidden', message: 'Denied.' }).title).toBe('Switchboard may not use the microphone');
    expect(recordingProblem({ code: 'internal', message: 'x' }).title).toBe('Recording failed');
    expect(publishProblem({ code: 'invalid_input', message: 'The recording is silent.' }).title).toBe('This greeting cannot be published');
    expect(publishProblem({ code: 'forbidden', message: 'AccessDenied' }).title).toBe('The bucket does not allow this');
    expect(publishProblem({ code: 'twilio', message: 'x' }).title).toBe('Publishing failed');
  });
});
