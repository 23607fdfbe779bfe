/** ApiClient over the preload's window.edgescope (Electron IPC). */
import type { EdgescopePreloadApi } from '../../../shared/transport/preload-contract';
import { ApiCallError, type ApiClient } from './client';

export function createIpcClient(preload: EdgescopePreloadApi): ApiClient {
  return {
    transport: 'electron',
    async call(method, req) {
      const reply = await preload.call(method, req);
      if (!reply.ok) throw new ApiCallError(reply.error.code, reply.error.message);
      return reply.result;
    },
    on: (event, listener) => preload.on(event, listener),
    pathForFile: (file) => preload.pathForFile(file) || null,
  };
}
