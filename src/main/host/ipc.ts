/**
 * Binds the engine to Electron IPC for one window: calls arrive on IPC_CALL_CHANNEL (ipcMain.handle),
 * job events leave on IPC_EVENT_CHANNEL (webContents.send).
 *
 * Written against the few members of ipcMain and WebContents it uses, so it runs in tests without Electron
 * (test/host/ipc.test.ts). Only the window's own main frame may call; the request is validated by
 * callValidated like every other boundary.
 */
import { API_EVENTS, IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type EngineApi } from '../../shared/api';
import type { CallReply } from '../../shared/transport/bridge-protocol';
import { callValidated } from '../bridge/validated-call';
import type { IpcEventFrame } from '../../shared/transport/preload-contract';

/** The parts of Electron's IpcMainInvokeEvent the binding reads. */
export interface InvokeEventLike {
  sender: unknown;
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The parts of Electron's WebContents the binding uses. */
export interface WebContentsLike {
  readonly mainFrame: unknown;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export interface IpcBindingOptions {
  engine: EngineApi;
  ipcMain: IpcMainLike;
  /** The window's contents: the only accepted caller and the receiver of events. */
  webContents: WebContentsLike;
  /** True for a URL of the app's own page (the frame may have been navigated elsewhere). */
  isAppUrl(url: string): boolean;
}

/** Installs the binding; the returned function removes it again. */
export function bindEngineToIpc(options: IpcBindingOptions): () => void {
  const { engine, ipcMain, webContents, isAppUrl } = options;

  ipcMain.handle(IPC_CALL_CHANNEL, async (event, method, req): Promise<CallReply> => {
    const trusted =
      event.sender === webContents &&
      event.senderFrame !== null &&
      event.senderFrame === webContents.mainFrame &&
      isAppUrl(event.senderFrame.url);
    if (!trusted) return { ok: false, error: { code: 'E_BAD_REQUEST', message: 'IPC call from an untrusted frame refused' } };
    return callValidated(engine, method, req);
  });

  const unsubscribers = API_EVENTS.map((name) =>
    engine.on(name, (payload) => {
      if (webContents.isDestroyed()) return;
      webContents.send(IPC_EVENT_CHANNEL, { event: name, payload } as IpcEventFrame);
    }),
  );

  return () => {
    ipcMain.removeHandler(IPC_CALL_CHANNEL);
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
