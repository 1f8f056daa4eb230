/** The app's own SIP line: where it stands, and its changes (the sidebar follows it from the first load). */
import { call, subscribe } from '../backend';
import type { IpcError, LineStatus } from '../bindings';

export function sipLine(): Promise<LineStatus> {
  return call('sip_line', {});
}

export function onSipLine(handler: (status: LineStatus) => void, onError?: (error: IpcError) => void): () => void {
  return subscribe('sip://line', handler, onError);
}
