/**
 * Wording of live calls the call bar needs from the first load (phase, timer, REC, quality), kept
 * pure so it is unit-tested. The in-call screen's own wording is in call-screen.ts.
 */
import type { CallView, RecordingState } from './bindings';

/** `m:ss`, or `h:mm:ss` past an hour, from milliseconds. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** What the in-call screen needs to word a call. */
export interface CallWording {
  view: CallView;
  /** The user answered in the window and the call is connecting. */
  answering: boolean;
  /** How it ended (the window's words or the core's). */
  endReason: string | null;
}

/** The phase line: Connecting…, Ringing your phone…, Ringing…, the timer, On hold, Ended: reason. `now` is Unix ms. */
export function phaseLabel(call: CallWording, now: number): string {
  const { view } = call;
  switch (view.phase) {
    case 'placing':
      return 'Connecting…';
    case 'calling_you':
      return 'Ringing your phone…';
    case 'ringing':
      if (view.direction === 'outbound') return 'Ringing…';
      return call.answering ? 'Connecting…' : 'Incoming call';
    case 'in_progress':
      if (view.on_hold) return 'On hold';
      return clock(now - (view.answered_at ?? now));
    case 'ended':
      return `Ended: ${call.endReason ?? 'the call is over.'}`;
  }
}

/** An incoming call on the app's SIP line: the core rings it, answers it and carries its sound (not the window's SDK). */
export function onSipLine(view: CallView): boolean {
  return view.engine === 'sip' && view.direction === 'inbound';
}

/**
 * Hold and resume work on connected calls placed from Switchboard (the core parks the other
 * party in the conference) and on incoming SIP calls (a re-INVITE); the core refuses them on
 * other incoming calls.
 */
export function canHold(view: CallView): boolean {
  return view.phase === 'in_progress' && (view.direction === 'outbound' || onSipLine(view));
}

/** Why Hold is not offered on this call, when it never will be. */
export function holdNote(view: CallView): string | null {
  return canHold(view) || view.direction === 'outbound' || onSipLine(view) ? null : 'Hold works on calls placed from Switchboard';
}

/** Whether an incoming call can be answered here: the window's SDK has it, or the SIP line rings with it. */
export function canAnswer(call: { view: CallView; local: boolean }): boolean {
  return call.view.direction === 'inbound' && call.view.phase === 'ringing' && (call.local || onSipLine(call.view));
}

/** The REC indicator's text; `null` while not recording. */
export function recordingLabel(state: RecordingState): string | null {
  return state === 'on' ? 'REC' : state === 'paused' ? 'REC paused' : null;
}

const QUALITY: Record<string, string> = {
  'high-rtt': 'Long delay on the line: you may talk over each other.',
  'high-jitter': 'Choppy audio: the network is uneven.',
  'high-packet-loss': 'Audio is dropping out: the network is losing data.',
  'high-packets-lost-fraction': 'Audio is dropping out: the network is losing data.',
  'low-mos': 'Poor call quality.',
  'constant-audio-input-level': 'Your microphone seems silent: check that it is on and not muted in the system.',
  'low-bytes-received': 'No sound is arriving from the other party.',
  'low-bytes-sent': 'Your voice is not getting out: check the network.',
  'ice-connectivity-lost': 'The connection dropped; trying to restore it.',
};

/** A call-quality warning of the SDK (`warning` event name) in plain words. */
export function qualityText(name: string): string {
  return QUALITY[name] ?? `Call quality warning (${name}).`;
}
