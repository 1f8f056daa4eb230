/** Audio devices: the output the player and ringtone use, the input greetings are recorded from. */
import { call } from '../backend';
import type { AudioInputs, AudioOutputs } from '../bindings';

export function audioOutputs(): Promise<AudioOutputs> {
  return call('audio_outputs', {});
}

/** Chooses the output (`null`: the system default); resolves to the outputs with it selected. */
export function setOutputDevice(id: string | null): Promise<AudioOutputs> {
  return call('set_output_device', { id });
}

export function audioInputs(): Promise<AudioInputs> {
  return call('audio_inputs', {});
}

/** Chooses the microphone (`null`: the system default); resolves to the inputs with it selected. */
export function setInputDevice(id: string | null): Promise<AudioInputs> {
  return call('set_input_device', { id });
}
