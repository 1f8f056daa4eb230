/** Calls: the call log, the calling settings and the ringtone, and the core's call events. */
import { call, subscribe } from '../backend';
import type { CallLog, CallLogFilter, CallSettings, CallView, IpcError } from '../bindings';

export function callLog(filter: CallLogFilter): Promise<CallLog> {
  return call('call_log', { filter });
}

export function saveCallSettings(settings: CallSettings): Promise<CallSettings> {
  return call('save_call_settings', { settings });
}

/** Plays the ringtone once; resolves to the device it plays on. */
export function previewRingtone(): Promise<string> {
  return call('preview_ringtone', {});
}

type OnError = (error: IpcError) => void;

export function onCallState(handler: (view: CallView) => void, onError?: OnError): () => void {
  return subscribe('call://state', handler, onError);
}

/** The notification's Answer: the call's id. */
export function onCallAnswer(handler: (id: string) => void, onError?: OnError): () => void {
  return subscribe('call://answer', handler, onError);
}

/** The notification's Decline: the call's id. */
export function onCallDecline(handler: (id: string) => void, onError?: OnError): () => void {
  return subscribe('call://decline', handler, onError);
}
