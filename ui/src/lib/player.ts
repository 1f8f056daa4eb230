/**
 * The voicemail player's logic without markup: time wording, seeking, what space does, which key
 * does what, and the waveform's drawing. Playback itself runs in Rust; this only decides what to ask.
 */
import type { Playback, PlaybackState } from './bindings';

/** The speeds the player offers, slowest first. */
export const SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2] as const;

/** How far left/right seek. */
export const SEEK_STEP_MS = 5000;

/** `m:ss` (minutes are not capped: an hour is `60:00`). Anything negative or not a number is `0:00`. */
export function formatTime(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** A voicemail's length for the list, from Twilio's whole seconds; empty when unknown. */
export function durationLabel(seconds: number | null): string {
  return seconds === null ? '' : formatTime(seconds * 1000);
}

/** `1×`, `1.25×`. */
export function speedLabel(speed: number): string {
  return `${speed}×`;
}

/** A position inside the message: 0 to `duration_ms`, whole milliseconds. */
export function clampPosition(position_ms: number, duration_ms: number): number {
  if (!Number.isFinite(position_ms) || !(duration_ms > 0)) return 0;
  return Math.round(Math.min(duration_ms, Math.max(0, position_ms)));
}

/** Where a seek by `delta_ms` from `position_ms` lands, never before the start or past the end. */
export function seekBy(position_ms: number, delta_ms: number, duration_ms: number): number {
  return clampPosition(position_ms + delta_ms, duration_ms);
}

/** The position a click at `fraction` (0 at the left edge, 1 at the right) of the waveform means. */
export function positionAt(fraction: number, duration_ms: number): number {
  return clampPosition(fraction * duration_ms, duration_ms);
}

/** How much of the message has played, 0..1, for the waveform's highlight. */
export function playedFraction(position_ms: number, duration_ms: number): number {
  return duration_ms > 0 ? Math.min(1, Math.max(0, position_ms / duration_ms)) : 0;
}

/** States in which the player holds a message that pause, resume, seek and stop act on. */
export function isActive(state: PlaybackState): boolean {
  return state === 'loading' || state === 'playing' || state === 'paused';
}

/** What play/pause (the button or space) asks of Rust for the voicemail `sid` shown. */
export type Toggle = 'play' | 'pause' | 'resume' | 'stop';

/**
 * Play/pause for `sid`: start it when another one (or none) is loaded or it finished or failed,
 * pause it while playing, resume it when paused, and stop a download that is still loading.
 */
export function toggleAction(playback: Pick<Playback, 'recording_sid' | 'state'> | null, sid: string): Toggle {
  if (!playback || playback.recording_sid !== sid) return 'play';
  switch (playback.state) {
    case 'playing':
      return 'pause';
    case 'paused':
      return 'resume';
    case 'loading':
      return 'stop';
    default:
      return 'play';
  }
}

/** What kind of element a key press went to: text entry keeps every key, a select and a slider keep theirs. */
export type KeyTarget = 'text' | 'select' | 'range' | 'other';

const NOT_TEXT = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file']);

export function keyTarget(element: { tagName: string; type?: string; isContentEditable?: boolean } | null): KeyTarget {
  if (!element) return 'other';
  if (element.isContentEditable || element.tagName === 'TEXTAREA') return 'text';
  if (element.tagName === 'SELECT') return 'select';
  if (element.tagName === 'INPUT') {
    const type = (element.type ?? 'text').toLowerCase();
    if (type === 'range') return 'range';
    return NOT_TEXT.has(type) ? 'other' : 'text';
  }
  return 'other';
}

/** The inbox's keyboard commands. */
export type KeyAction = 'toggle' | 'back' | 'forward' | 'previous' | 'next' | 'search' | 'archive' | 'delete';

/**
 * The inbox command a key means, or null to leave the key to the browser: nothing while typing or
 * in a select, no arrows on a slider (they move it), and nothing with Ctrl, Alt or Cmd held.
 */
export function keyAction(key: string, target: KeyTarget, modified: boolean): KeyAction | null {
  if (modified || target === 'text' || target === 'select') return null;
  const arrows = target !== 'range';
  switch (key) {
    case ' ':
      return 'toggle';
    case 'ArrowLeft':
      return arrows ? 'back' : null;
    case 'ArrowRight':
      return arrows ? 'forward' : null;
    case 'ArrowUp':
      return arrows ? 'previous' : null;
    case 'ArrowDown':
      return arrows ? 'next' : null;
    case '/':
      return 'search';
    case 'e':
      return 'archive';
    case 'Delete':
    case 'Backspace':
      return 'delete';
    default:
      return null;
  }
}

/**
 * `bars` values from `peaks`: each the loudest peak of its share of the message, scaled so the
 * loudest bar is 1 (a quiet message still fills the height). Fewer peaks than bars are stretched.
 */
export function resamplePeaks(peaks: readonly number[], bars: number): number[] {
  const count = Math.max(0, Math.floor(bars));
  if (peaks.length === 0 || count === 0) return new Array<number>(count).fill(0);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.floor((i * peaks.length) / count);
    const end = Math.max(start + 1, Math.floor(((i + 1) * peaks.length) / count));
    let loudest = 0;
    for (let j = start; j < end; j++) loudest = Math.max(loudest, peaks[j] ?? 0);
    out.push(loudest);
  }
  const max = Math.max(...out);
  return max > 0 ? out.map((v) => Math.min(1, Math.max(0, v / max))) : out;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * An SVG path of vertical bars centred on the middle of a `width`×`height` box, one per `bar + gap`
 * pixels, for a stroke `bar` wide with round caps (silence is a dot, the loudest bar spans the box).
 */
export function waveformPath(peaks: readonly number[], width: number, height: number, bar = 2, gap = 2): string {
  const bars = Math.floor((width + gap) / (bar + gap));
  const centre = height / 2;
  return resamplePeaks(peaks, bars)
    .map((value, i) => {
      const reach = Math.max(0, (value * height - bar) / 2);
      const x = round(i * (bar + gap) + bar / 2);
      return `M${x} ${round(centre - reach)}V${round(centre + reach)}`;
    })
    .join('');
}
