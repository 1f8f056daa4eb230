/** The in-call quality panel of a SIP call: the core's measurements as figures people can read. */
import type { CallQuality } from './bindings';

/** How a call sounds, from its MOS estimate. */
export type Grade = 'good' | 'fair' | 'poor';

/** One figure of the panel. */
export interface QualityFigure {
  /** Which one (its `data-testid` is `quality-<key>`). */
  key: 'mos' | 'jitter' | 'loss' | 'rtt' | 'delay' | 'codec';
  label: string;
  value: string;
  /** A word beside the value: the MOS's grade, that it is not measured, or that the sound is encrypted. */
  note: string | null;
  /** The MOS's grade, for its colour. */
  grade: Grade | null;
  /** What the figure means, for the tooltip. */
  title: string;
}

/** A MOS as shown: one decimal. */
const tenths = (mos: number) => Math.round(mos * 10) / 10;

/** The grade of a MOS as shown (one decimal), so the figure and its word always agree. */
export function grade(mos: number): Grade {
  const shown = tenths(mos);
  return shown >= 4 ? 'good' : shown >= 3.6 ? 'fair' : 'poor';
}

const ms = (value: number) => `${Math.round(value)} ms`;

/** The figures of a SIP call's quality, in the panel's order. */
export function qualityFigures(q: CallQuality): QualityFigure[] {
  const mosGrade = grade(q.mos);
  return [
    { key: 'mos', label: 'Quality', value: tenths(q.mos).toFixed(1), note: mosGrade, grade: mosGrade, title: 'Estimated from loss, delay and codec, 1 (bad) to 4.5 (best)' },
    { key: 'jitter', label: 'Jitter', value: ms(q.jitter_ms), note: null, grade: null, title: 'How unevenly the other party’s sound arrives' },
    { key: 'loss', label: 'Loss', value: `${q.loss_percent.toFixed(1)}%`, note: null, grade: null, title: 'Share of the other party’s sound that never arrived' },
    q.rtt_ms === null
      ? { key: 'rtt', label: 'Round trip', value: '—', note: 'not measured', grade: null, title: 'The time to the other end and back comes with the far end’s first RTCP report, a few seconds into the call' }
      : { key: 'rtt', label: 'Round trip', value: ms(q.rtt_ms), note: null, grade: null, title: 'The time to the other end and back' },
    { key: 'delay', label: 'Delay', value: ms(q.delay_ms), note: null, grade: null, title: 'Delay added on this computer before you hear the other party' },
    q.encrypted
      ? { key: 'codec', label: 'Codec', value: q.codec, note: 'encrypted', grade: null, title: 'How the sound is encoded; it travels encrypted (SRTP)' }
      : { key: 'codec', label: 'Codec', value: q.codec, note: null, grade: null, title: 'How the sound is encoded; it travels unencrypted (plain RTP)' },
  ];
}
