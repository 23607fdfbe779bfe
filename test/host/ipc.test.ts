import { afterEach, describe, expect, it } from 'vitest';
import { bindEngineToIpc, type InvokeEventLike, type IpcMainLike, type WebContentsLike } from '../../src/main/host/ipc';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src/shared/api';
import { FakeEngine } from '../bridge/fake-engine';

const APP_URL = 'file:///app/out/renderer/index.html';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke would resolve with. */
  async invoke(event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(IPC_CALL_CHANNEL);
    if (!handler) throw new Error('no handler');
    return handler(event, ...args);
  }
}

class FakeWebContents implements WebContentsLike {
  readonly mainFrame = { url: APP_URL };
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

function setup() {
  const engine = new FakeEngine({ stepMs: 1 });
  const ipcMain = new FakeIpcMain();
  const webContents = new FakeWebContents();
  const unbind = bindEngineToIpc({ engine, ipcMain, webContents, isAppUrl: (url) => url === APP_URL });
  const fromApp: InvokeEventLike = { sender: webContents, senderFrame: webContents.mainFrame };
  return { engine, ipcMain, webContents, unbind, fromApp };
}

describe('bindEngineToIpc', () => {
  const engines: FakeEngine[] = [];
  afterEach(() => engines.splice(0).forEach((engine) => engine.dispose()));

  it('answers a valid call with {ok: true, result}', async () => {
    const { engine, ipcMain, fromApp } = setup();
    engines.push(engine);
    const reply = await ipcMain.invoke(fromApp, 'listDemoModels', {});
    expect(reply).toMatchObject({ ok: true, result: [{ id: 'mlp-lenet-300-100' }, { id: 'cnn-small' }] });
  });

  it('validates method and request before the engine sees them', async () => {
    const { engine, ipcMain, fromApp } = setup();
    engines.push(engine);
    const replies = await Promise.all([
      ipcMain.invoke(fromApp, 'rmrf', {}),
      ipcMain.invoke(fromApp, 'openModel', { path: 42 }),
      ipcMain.invoke(fromApp, 'startProfile', { modelPath: '/m.onnx', threads: 0 }),
      ipcMain.invoke(fromApp, 'cancelJob', null),
    ]);
    for (const reply of replies) expect(reply).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } });
    expect(engine.calls).toHaveLength(0);
  });

  it('returns engine errors as {ok: false, error}', async () => {
    const { engine, ipcMain, fromApp } = setup();
    engines.push(engine);
    expect(await ipcMain.invoke(fromApp, 'getReport', { jobId: 'job-404' })).toEqual({
      ok: false,
      error: { code: 'E_NOT_FOUND', message: 'no job job-404' },
    });
  });

  it('refuses calls from another webContents, a subframe or a foreign page', async () => {
    const { engine, ipcMain, webContents } = setup();
    engines.push(engine);
    const other = new FakeWebContents();
    const untrusted: InvokeEventLike[] = [
      { sender: other, senderFrame: other.mainFrame },
      { sender: webContents, senderFrame: { url: APP_URL } },
      { sender: webContents, senderFrame: null },
    ];
    for (const event of untrusted) {
      expect(await ipcMain.invoke(event, 'listDemoModels', {})).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } });
    }
    const navigatedAway = setup();
    engines.push(navigatedAway.engine);
    navigatedAway.webContents.mainFrame.url = 'https://example.com/';
    expect(await navigatedAway.ipcMain.invoke(navigatedAway.fromApp, 'listDemoModels', {})).toMatchObject({ ok: false });
    expect(engine.calls).toHaveLength(0);
  });

  it('forwards job events to the window until unbound, and not to a destroyed window', async () => {
    const { engine, ipcMain, webContents, unbind, fromApp } = setup();
    engines.push(engine);
    engine.emit('jobProgress', { jobId: 'job-1', stage: 'run', fraction: 0.5, message: 'running' });
    expect(webContents.sent).toEqual([
      { channel: IPC_EVENT_CHANNEL, args: [{ event: 'jobProgress', payload: { jobId: 'job-1', stage: 'run', fraction: 0.5, message: 'running' } }] },
    ]);

    webContents.destroyed = true;
    engine.emit('jobFailed', { jobId: 'job-1', error: { code: 'E_RUN_FAILED', message: 'boom' } });
    expect(webContents.sent).toHaveLength(1);

    unbind();
    expect(engine.listenerCount()).toBe(0);
    expect(ipcMain.handlers.size).toBe(0);
    await expect(ipcMain.invoke(fromApp, 'listDemoModels', {})).rejects.toThrow('no handler');
  });
});
