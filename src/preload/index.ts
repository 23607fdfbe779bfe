/**
 * The preload: exposes exactly one object, window.edgescope (see ./contract.ts), and nothing else from
 * Electron. Runs sandboxed, so it is bundled to one CommonJS file that requires only 'electron'.
 *
 * Method and event names are checked here as well as in the main process, so a compromised renderer can
 * neither reach other IPC channels nor subscribe to anything but the three job events.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { API_EVENTS, API_METHODS, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ApiEventName } from '../shared/api';
import { PRELOAD_GLOBAL, type EdgescopePreloadApi, type IpcEventFrame } from '../shared/transport/preload-contract';

type AnyListener = (payload: unknown) => void;
const listeners = new Map<ApiEventName, Set<AnyListener>>(API_EVENTS.map((event) => [event, new Set<AnyListener>()]));

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: IpcRendererEvent, frame: IpcEventFrame) => {
  for (const listener of listeners.get(frame.event) ?? []) listener(frame.payload);
});

const api: EdgescopePreloadApi = {
  call(method, req) {
    if (!API_METHODS.includes(method)) {
      return Promise.resolve({ ok: false, error: { code: 'E_BAD_REQUEST', message: `unknown method ${String(method)}` } });
    }
    return ipcRenderer.invoke(IPC_CALL_CHANNEL, method, req);
  },
  on(event, listener) {
    const set = listeners.get(event);
    if (!set) throw new Error(`unknown event ${String(event)}`);
    const wrapped = listener as AnyListener;
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  },
  pathForFile(file) {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, api);
