/** The sidebar's line about the app's SIP line, from the core's `LineStatus`, kept pure so it is unit-tested. */
import type { LineStatus } from './bindings';

/** How the line's light is coloured. */
export type LineTone = 'ok' | 'busy' | 'warn' | 'error';

export interface LineView {
  /** What the sidebar shows, e.g. `SIP line: retrying in 12 s — no network`. */
  text: string;
  /** The same without the countdown, for screen readers (announced when it changes, not every second). */
  spoken: string;
  tone: LineTone;
  /** The address calls ring, when there is one (the tooltip). */
  title: string | null;
}

/**
 * What the sidebar says about the SIP line `elapsed` seconds after `status` arrived (retries
 * count down); `null` when there is nothing to say (off, with no reason: the SIP engine is not in use).
 */
export function describeLine(status: LineStatus, elapsed = 0): LineView | null {
  const why = status.reason ? ` — ${status.reason}` : '';
  const title = status.address;
  switch (status.state) {
    case 'off':
      if (!status.reason) return null;
      return { text: `SIP line: off${why}`, spoken: `SIP line: off${why}`, tone: 'warn', title };
    case 'registering':
      return { text: 'SIP line: connecting…', spoken: 'SIP line: connecting…', tone: 'busy', title };
    case 'registered':
      return { text: 'SIP line: registered', spoken: 'SIP line: registered', tone: 'ok', title };
    case 'retrying': {
      const left = status.next_in === null ? null : Math.max(0, Math.ceil(status.next_in - elapsed));
      const when = left === null ? 'retrying' : left > 0 ? `retrying in ${left} s` : 'retrying now';
      return { text: `SIP line: ${when}${why}`, spoken: `SIP line: retrying${why}`, tone: 'warn', title };
    }
    case 'refused':
      return { text: `SIP line: refused${why}`, spoken: `SIP line: refused${why}`, tone: 'error', title };
  }
}
