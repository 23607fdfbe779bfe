/** Chooses the transport for this page and connects the ApiClient. */
import { BRIDGE_MODE_PARAM, BRIDGE_MODE_WS, BRIDGE_TOKEN_PARAM } from '../../../shared/transport/bridge-protocol';
import { PRELOAD_GLOBAL, type EdgescopePreloadApi } from '../../../shared/transport/preload-contract';
import { ApiCallError, type ApiClient } from './client';
import { createIpcClient } from './ipc-client';
import { createWsClient } from './ws-client';

declare global {
  interface Window {
    [PRELOAD_GLOBAL]?: EdgescopePreloadApi;
  }
}

/**
 * Picks the transport: `?bridge=ws&token=...` means the loopback bridge, otherwise the Electron preload.
 * `onLost` hears of a connection that ends while the page lives (only the bridge's can: an IPC peer that
 * dies takes the window with it).
 */
export function connectClient(onLost: (error: ApiCallError) => void): ApiClient {
  const params = new URLSearchParams(window.location.search);
  if (params.get(BRIDGE_MODE_PARAM) === BRIDGE_MODE_WS) {
    const token = params.get(BRIDGE_TOKEN_PARAM);
    if (!token) throw new ApiCallError('E_BRIDGE', 'the page URL has bridge=ws but no token; open the URL the bridge printed');
    return createWsClient(`ws://${window.location.host}`, token, onLost);
  }
  const preload = window[PRELOAD_GLOBAL];
  if (!preload) {
    throw new ApiCallError('E_BRIDGE', 'no engine connection: not running in the edgescope app and no bridge=ws in the URL');
  }
  return createIpcClient(preload);
}
