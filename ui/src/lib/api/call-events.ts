/** The core's call events, which the dialer store follows from the first load (the commands load with the views). */
import { subscribe } from '../backend';
import type { CallView, IpcError } from '../bindings';

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
