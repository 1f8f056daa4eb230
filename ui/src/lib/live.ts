/**
 * The window's one {@link Dialer}, over the real backend: App starts it once an account is
 * connected and feeds it the core's call events; the dialer, the in-call screen, the incoming
 * panel, the Calls view and the Calling card share it.
 */
import { onCallAnswer, onCallDecline, onCallState } from './api/call-events';
import { call } from './backend';
import { detectCapabilities, Dialer } from './dialer';

export const dialer = new Dialer({ invoke: call });

/** Feeds `call://state`, and the notification's Answer and Decline, to the dialer; returns the stop function. */
export function listenToCalls(): () => void {
  const warn = (e: { message: string }) => console.warn('No live call updates:', e.message);
  const stops = [
    onCallState((view) => dialer.coreState(view), warn),
    onCallAnswer((id) => void dialer.answerFromNotification(id), warn),
    onCallDecline((id) => void dialer.decline(id), warn),
  ];
  return () => stops.forEach((stop) => stop());
}

/** Reads the calling setup for this window (what it can do is detected here, never assumed). */
export function startDialer(): Promise<void> {
  return dialer.start(detectCapabilities(window));
}
