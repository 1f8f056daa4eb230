/**
 * The greeting recorder's logic without markup: the level meter's scale and ballistics, the
 * recording clock, the trim handles' arithmetic, the take's waveform, where the preview is, and
 * how recording errors read. Capture, trimming and playback run in Rust; this only decides what
 * to show and what to ask.
 */
import type { IpcError, Level, Playback, Trim } from './bindings';
import { formatTime, resamplePeaks } from './player';

/** The longest recording (Rust stops there and sends `recording://stopped`). */
export const MAX_RECORDING_MS = 120_000;
/** The shortest greeting Rust publishes; the trim handles never come closer than this. */
export const MIN_GREETING_MS = 1000;
/** The recording clock turns to a warning this close to the limit. */
export const ENDING_MS = 10_000;
/** How far an arrow key moves a trim handle. */
export const TRIM_STEP_MS = 50;
/** How far Page Up / Page Down move a trim handle. */
export const TRIM_PAGE_MS = 1000;
/** Where a dragged handle lands: a multiple of this. */
export const TRIM_SNAP_MS = 10;
/** The `recording_sid` of the Rust player while it plays the take (`preview_take`). */
export const PREVIEW_SID = 'take';

/** The meter's range: -60 dBFS (empty) to 0 dBFS (full), linear in decibels. */
export const METER_FLOOR_DB = -60;
/** How long the peak mark stays before it falls. */
export const PEAK_HOLD_MS = 1000;
/** How fast the bar and the released peak mark fall. */
export const METER_FALL_DB_PER_S = 24;
/** The time constant of the bar's rise (fast, but not a jump at every 33 ms window). */
export const METER_ATTACK_MS = 25;
/** A sample this loud (about -0.1 dBFS) is clipping. */
export const CLIP_PEAK = 0.99;
/** How long the clipping warning stays after the last clipped sample. */
export const CLIP_HOLD_MS = 1500;

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/** An amplitude (0..1) in dBFS; `-Infinity` for silence and anything not a positive number. */
export function toDb(amplitude: number): number {
  return Number.isFinite(amplitude) && amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity;
}

/** Where an amplitude sits on the meter, 0..1, linear in dB from `floorDb` (0) to 0 dBFS (1). */
export function meterScale(amplitude: number, floorDb = METER_FLOOR_DB): number {
  const db = toDb(amplitude);
  if (db === -Infinity) return 0;
  return clamp((db - floorDb) / -floorDb, 0, 1);
}

/** The amplitude at `fraction` of the meter: the inverse of {@link meterScale} (0 for an empty meter). */
export function meterAmplitude(fraction: number, floorDb = METER_FLOOR_DB): number {
  if (!(fraction > 0)) return 0;
  return 10 ** ((Math.min(1, fraction) - 1) * (-floorDb / 20));
}

/** `-18 dB`, rounded to whole decibels; `-∞ dB` below the meter's floor. */
export function dbLabel(amplitude: number, floorDb = METER_FLOOR_DB): string {
  const db = toDb(amplitude);
  if (db < floorDb) return '−∞ dB';
  const rounded = Math.round(Math.min(0, db));
  return `${rounded < 0 ? '−' : ''}${Math.abs(rounded)} dB`;
}

/** The scale printed under the meter: each mark's dB and its place, 0..1. */
export const METER_MARKS: readonly { db: number; at: number }[] = [-48, -36, -24, -12, -6, 0].map((db) => ({
  db,
  at: meterScale(10 ** (db / 20)),
}));

/** What the meter shows: the bar and the peak mark on the meter's 0..1 scale. */
export interface Meter {
  /** The bar (smoothed RMS). */
  level: number;
  /** The peak mark (held, then falling); never below the bar. */
  peak: number;
  /** How long the peak mark has been held. */
  heldMs: number;
  /** Time since a sample last clipped. */
  sinceClipMs: number;
  /** The `elapsed_ms` of the last level applied. */
  elapsedMs: number;
}

export const METER_REST: Readonly<Meter> = Object.freeze({ level: 0, peak: 0, heldMs: 0, sinceClipMs: Infinity, elapsedMs: 0 });

/**
 * The meter after one `recording://level` event, with the time step taken from the events'
 * `elapsed_ms` (so it is the same however late the events arrive): the bar rises quickly and falls
 * at {@link METER_FALL_DB_PER_S}; the peak mark jumps up, holds {@link PEAK_HOLD_MS}, then falls.
 */
export function meterStep(meter: Meter, level: Level): Meter {
  const dt = clamp(level.elapsed_ms - meter.elapsedMs, 0, 250);
  const fall = ((METER_FALL_DB_PER_S / -METER_FLOOR_DB) * dt) / 1000;
  const target = meterScale(level.rms);
  const rise = 1 - Math.exp(-Math.max(dt, 1) / METER_ATTACK_MS);
  const bar = target >= meter.level ? meter.level + (target - meter.level) * rise : Math.max(target, meter.level - fall);

  const hit = meterScale(level.peak);
  let peak = meter.peak;
  let heldMs = meter.heldMs + dt;
  if (hit >= meter.peak) {
    peak = hit;
    heldMs = 0;
  } else if (heldMs > PEAK_HOLD_MS) {
    peak = Math.max(hit, meter.peak - fall);
  }
  return {
    level: bar,
    peak: Math.max(peak, bar),
    heldMs,
    sinceClipMs: level.peak >= CLIP_PEAK ? 0 : meter.sinceClipMs + dt,
    elapsedMs: Math.max(meter.elapsedMs, level.elapsed_ms),
  };
}

/** Whether the meter shows the clipping warning. */
export function clipping(meter: Meter): boolean {
  return meter.sinceClipMs < CLIP_HOLD_MS;
}

/** The recording clock: time recorded, time left before the limit, and how far along it is. */
export interface Clock {
  elapsed: string;
  remaining: string;
  fraction: number;
  /** Within {@link ENDING_MS} of the limit. */
  ending: boolean;
}

/** The clock at `elapsed_ms`: elapsed rounds down, remaining rounds up, so they read 0:00 and 2:00 at the start. */
export function recordingClock(elapsed_ms: number, limit_ms = MAX_RECORDING_MS): Clock {
  const elapsed = clamp(Number.isFinite(elapsed_ms) ? elapsed_ms : 0, 0, limit_ms);
  const left = limit_ms - elapsed;
  return {
    elapsed: formatTime(elapsed),
    remaining: formatTime(Math.ceil(left / 1000) * 1000),
    fraction: limit_ms > 0 ? elapsed / limit_ms : 0,
    ending: left <= ENDING_MS,
  };
}

/** `m:ss.cc` (hundredths), for trim positions. */
export function formatPrecise(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.round(ms / 10) : 0;
  const seconds = Math.floor(total / 100);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}.${String(total % 100).padStart(2, '0')}`;
}

/** `7.5 s`: a length to one decimal. */
export function secondsLabel(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** Which trim handle. */
export type Handle = 'start' | 'end';

/** The closest the handles come: a second, or the whole take when it is shorter. */
export function minKept(duration_ms: number): number {
  return clamp(MIN_GREETING_MS, 0, Math.max(0, duration_ms));
}

/** `trim` made valid for a take of `duration_ms`: whole ms, inside the take, at least {@link minKept} long. */
export function clampTrim(trim: Trim, duration_ms: number): Trim {
  const duration = Math.max(0, Math.round(Number.isFinite(duration_ms) ? duration_ms : 0));
  const gap = minKept(duration);
  const start = clamp(Math.round(Number.isFinite(trim.start_ms) ? trim.start_ms : 0), 0, duration - gap);
  const end = clamp(Math.round(Number.isFinite(trim.end_ms) ? trim.end_ms : duration), start + gap, duration);
  return { start_ms: start, end_ms: end };
}

/** Where `handle` may go: between the take's edge and {@link minKept} from the other handle. */
export function handleRange(trim: Trim, handle: Handle, duration_ms: number): { min: number; max: number } {
  const t = clampTrim(trim, duration_ms);
  const gap = minKept(duration_ms);
  return handle === 'start' ? { min: 0, max: t.end_ms - gap } : { min: t.start_ms + gap, max: Math.round(Math.max(0, duration_ms)) };
}

/** `trim` with `handle` moved to `to_ms`, stopped at the take's edge and short of the other handle. */
export function moveHandle(trim: Trim, handle: Handle, to_ms: number, duration_ms: number): Trim {
  const t = clampTrim(trim, duration_ms);
  const { min, max } = handleRange(t, handle, duration_ms);
  const at = Math.round(clamp(Number.isNaN(to_ms) ? min : to_ms, min, max));
  return handle === 'start' ? { start_ms: at, end_ms: t.end_ms } : { start_ms: t.start_ms, end_ms: at };
}

/**
 * The trim after a key on `handle`'s slider, or null for a key the slider does not use: left/down
 * and right/up move it {@link TRIM_STEP_MS}, Page Down/Up {@link TRIM_PAGE_MS}, Home and End to the
 * ends of its range.
 */
export function nudgeHandle(trim: Trim, handle: Handle, key: string, duration_ms: number): Trim | null {
  const t = clampTrim(trim, duration_ms);
  const at = handle === 'start' ? t.start_ms : t.end_ms;
  const by: Record<string, number> = {
    ArrowLeft: -TRIM_STEP_MS,
    ArrowDown: -TRIM_STEP_MS,
    ArrowRight: TRIM_STEP_MS,
    ArrowUp: TRIM_STEP_MS,
    PageDown: -TRIM_PAGE_MS,
    PageUp: TRIM_PAGE_MS,
    Home: -Infinity,
    End: Infinity,
  };
  const delta = by[key];
  return delta === undefined ? null : moveHandle(t, handle, at + delta, duration_ms);
}

/** The take position under `x` pixels of a `width`-pixel waveform, snapped to {@link TRIM_SNAP_MS}. */
export function positionAtX(x: number, width: number, duration_ms: number): number {
  if (!(width > 0) || !(duration_ms > 0)) return 0;
  const ms = (clamp(x, 0, width) / width) * duration_ms;
  return clamp(Math.round(ms / TRIM_SNAP_MS) * TRIM_SNAP_MS, 0, Math.round(duration_ms));
}

/** `ms` as a fraction of the take, 0..1. */
export function fractionOf(ms: number, duration_ms: number): number {
  return duration_ms > 0 ? clamp(ms / duration_ms, 0, 1) : 0;
}

/** The handle nearer to `ms` (the end one on a tie past the middle of the kept part). */
export function nearestHandle(trim: Trim, ms: number): Handle {
  return Math.abs(ms - trim.start_ms) < Math.abs(ms - trim.end_ms) ? 'start' : 'end';
}

/** A take whose level never rose above this RMS (about -40 dBFS: Rust's silence) sounds silent. */
export const SILENT_RMS = 0.01;
/** A take whose loudest sample stayed under this (about -26 dBFS) is drawn less than full height. */
export const QUIET_PEAK = 0.05;

/** What the meter heard during a take: its loudest window and sample, and how many levels came. */
export interface Heard {
  rms: number;
  peak: number;
  levels: number;
}

export const HEARD_NOTHING: Readonly<Heard> = Object.freeze({ rms: 0, peak: 0, levels: 0 });

export function hear(heard: Heard, level: Level): Heard {
  return { rms: Math.max(heard.rms, level.rms || 0), peak: Math.max(heard.peak, level.peak || 0), levels: heard.levels + 1 };
}

/** Whether the take sounds silent (unknown, so not silent, when no level came). */
export function soundsSilent(heard: Heard): boolean {
  return heard.levels > 0 && heard.rms < SILENT_RMS;
}

/**
 * How tall to draw the take, 0..1. Rust sends its peaks scaled so the loudest is 1 (callers hear
 * it normalized), which would draw a silent take's noise as speech: a take whose loudest sample
 * stayed under {@link QUIET_PEAK} is drawn that much smaller. Full height when nothing was heard.
 */
export function takeGain(heard: Heard): number {
  return heard.levels === 0 ? 1 : clamp(heard.peak / QUIET_PEAK, 0, 1);
}

/** `bars` heights, 0..1, for the take: {@link resamplePeaks} times `gain`. */
export function takeBars(peaks: readonly number[], bars: number, gain = 1): number[] {
  const g = clamp(Number.isFinite(gain) ? gain : 1, 0, 1);
  return resamplePeaks(peaks, bars).map((v) => v * g);
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** An SVG path of the take's bars over a `width`×`height` box (as the voicemail player draws its waveform). */
export function takePath(peaks: readonly number[], width: number, height: number, gain = 1, bar = 2, gap = 2): string {
  const count = Math.max(0, Math.floor((width + gap) / (bar + gap)));
  const centre = height / 2;
  return takeBars(peaks, count, gain)
    .map((value, i) => {
      const reach = Math.max(0, (value * height - bar) / 2);
      const x = round2(i * (bar + gap) + bar / 2);
      return `M${x} ${round2(centre - reach)}V${round2(centre + reach)}`;
    })
    .join('');
}

/**
 * Where the preview is on the take, in take milliseconds, or null when the Rust player is not
 * playing it. `preview_take` plays the trimmed part only, so its `position_ms` counts from the
 * start of `played` (the trim it was started with).
 */
export function previewPosition(playback: Pick<Playback, 'recording_sid' | 'state' | 'position_ms'> | null, played: Trim | null): number | null {
  if (!playback || !played || playback.recording_sid !== PREVIEW_SID) return null;
  if (playback.state !== 'playing' && playback.state !== 'paused' && playback.state !== 'loading') return null;
  return clamp(played.start_ms + Math.max(0, playback.position_ms), played.start_ms, played.end_ms);
}

/** A recording failure as the recorder shows it: a headline by code, then Rust's sentence. */
export function recordingProblem(error: IpcError): { title: string; message: string } {
  const titles: Partial<Record<IpcError['code'], string>> = {
    not_found: 'No microphone found',
    forbidden: 'Switchboard may not use the microphone',
    timeout: 'The microphone did not start',
    invalid_input: 'This take cannot be used',
    not_configured: 'No S3 bucket is set up for greetings',
    unauthorized: 'The bucket did not accept the credentials',
    network: 'Could not reach the bucket',
  };
  return { title: titles[error.code] ?? 'Recording failed', message: error.message };
}

/** A publish failure: as {@link recordingProblem}, with storage errors named as the bucket's. */
export function publishProblem(error: IpcError): { title: string; message: string } {
  const titles: Partial<Record<IpcError['code'], string>> = {
    invalid_input: 'This greeting cannot be published',
    unauthorized: 'The bucket did not accept the credentials',
    // S3 denying the upload, or the uploaded greeting not readable by callers: the message says which.
    forbidden: 'The bucket does not allow this',
    network: 'Could not reach the bucket',
    timeout: 'The bucket took too long to answer',
    storage: 'The upload did not go through',
    not_configured: 'No S3 bucket is set up for greetings',
  };
  return { title: titles[error.code] ?? 'Publishing failed', message: error.message };
}
