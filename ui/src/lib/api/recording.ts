/** Recording a greeting: the take's life from the microphone to the preview, and its events. */
import { call, subscribe } from '../backend';
import type { Level, Playback, TakeSummary, Trim } from '../bindings';

export async function startRecording(): Promise<void> {
  await call('start_recording', {});
}

/** Stops the microphone; resolves to the take. */
export function stopRecording(): Promise<TakeSummary> {
  return call('stop_recording', {});
}

export async function discardTake(): Promise<void> {
  await call('discard_take', {});
}

/** Plays the take as `trim` keeps it. */
export function previewTake(trim: Trim): Promise<Playback> {
  return call('preview_take', { trim });
}

/** The input level, many times a second while recording. */
export function onRecordingLevel(handler: (level: Level) => void): () => void {
  return subscribe('recording://level', handler);
}

/** The length limit stopped the recording: its take. */
export function onRecordingStopped(handler: (take: TakeSummary) => void): () => void {
  return subscribe('recording://stopped', handler);
}
