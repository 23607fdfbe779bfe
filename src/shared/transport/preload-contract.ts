/**
 * The Electron transport's contract, shared by the host (src/main/host/ipc.ts), the preload (./index.ts) and
 * the renderer's IPC client. Types and constants only: the renderer bundle imports this file too.
 */
import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest } from '../api';
import type { CallReply } from './bridge-protocol';

/** Name of the object the preload puts on the renderer's window. */
export const PRELOAD_GLOBAL = 'edgescope';

/** window.edgescope: the whole surface the renderer gets from the privileged side. */
export interface EdgescopePreloadApi {
  /** Resolves with the call's outcome; errors come back as values because contextBridge strips Error fields. */
  call<M extends ApiMethod>(method: M, req: ApiRequest<M>): Promise<CallReply<M>>;
  /** Throws on an unknown event name. Returns the unsubscribe function. */
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** Absolute path of a file from a file input or a drop (webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

/** One message on IPC_EVENT_CHANNEL. */
export type IpcEventFrame = { [E in ApiEventName]: { event: E; payload: ApiEvents[E] } }[ApiEventName];
