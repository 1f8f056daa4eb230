/** The Rust audio player: voicemail playback, its waveform and audio file, and its state events. */
import { call, subscribe } from '../backend';
import type { Playback, PlaybackControl, Waveform } from '../bindings';

/** Downloads when needed, then plays from `positionMs` (the start when `null`). */
export function playVoicemail(recordingSid: string, positionMs: number | null): Promise<Playback> {
  return call('play_voicemail', { recording_sid: recordingSid, position_ms: positionMs });
}

export function controlPlayback(control: PlaybackControl): Promise<Playback> {
  return call('playback_control', { control });
}

export function stopPlayback(): Promise<Playback> {
  return controlPlayback({ kind: 'stop' });
}

export function playbackStatus(): Promise<Playback> {
  return call('playback_status', {});
}

export function voicemailWaveform(recordingSid: string): Promise<Waveform> {
  return call('voicemail_waveform', { recording_sid: recordingSid });
}

/** Downloads the audio again (a damaged copy); resolves to its new waveform. */
export function redownloadVoicemail(recordingSid: string): Promise<Waveform> {
  return call('redownload_voicemail', { recording_sid: recordingSid });
}

/** Saves the audio to the Downloads folder; resolves to the file's path. */
export function saveVoicemailAudio(recordingSid: string): Promise<string> {
  return call('save_voicemail_audio', { recording_sid: recordingSid });
}

export function onPlayback(handler: (playback: Playback) => void): () => void {
  return subscribe('playback://state', handler);
}
