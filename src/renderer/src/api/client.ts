/**
 * The renderer's one view of the engine, whatever carries it: Electron IPC through the preload
 * (./ipc-client.ts) or the loopback bridge's WebSocket (./ws-client.ts); ./connect.ts picks one.
 */
import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResult } from '../../../shared/api';
import { oneLine } from '../../../shared/errors';

export interface ApiClient {
  /** How calls travel: shown in the title bar, and decides how files are opened. */
  readonly transport: 'electron' | 'bridge';
  /** Rejects with ApiCallError. */
  call<M extends ApiMethod>(method: M, req: ApiRequest<M>): Promise<ApiResult<M>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /**
   * The file's path when the engine can read it directly (Electron: the engine runs on this machine and the
   * preload reveals the path); null in a browser tab, where the bytes must go through importModel.
   */
  pathForFile(file: File): string | null;
}

/** A failed call: the engine's ApiError code and one-line message, or a transport failure. */
export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(oneLine(message));
    this.name = 'ApiCallError';
  }
}
