/** Calls: the call log, the calling settings and the ringtone; the core's call events are in call-events.ts. */
import { call } from '../backend';
import type { CallLog, CallLogFilter, CallSettings } from '../bindings';

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
