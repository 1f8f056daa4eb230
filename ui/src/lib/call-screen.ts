/** Wording only the in-call screen, the dialer and the Calling card show (they load with their views). */
import type { CallView, EngineKind } from './bindings';

/** A line under the phase saying what the user should do, when there is something. */
export function phaseHint(view: CallView): string | null {
  if (view.phase === 'calling_you') return 'Answer your phone: Twilio connects the other party once you pick up.';
  if (view.phase === 'placing' && view.engine === 'bridge') return 'Twilio is about to ring your phone.';
  return null;
}

/** The engine's name, as the dialer and the in-call badge show it. */
export function engineLabel(engine: EngineKind): string {
  switch (engine) {
    case 'webview':
      return 'In the app';
    case 'sip':
      return 'In the app (SIP)';
    case 'bridge':
      return 'Through your phone';
  }
}

/** Controls that need a connected call: transfer, keypad, recording. */
export function connected(view: CallView): boolean {
  return view.phase === 'in_progress';
}
