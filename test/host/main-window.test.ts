/**
 * The Electron host's lock-down, checked without Electron: 'electron' is replaced by a recording fake and
 * the engine by the fake engine, then src/main/host/index.ts starts as it would in the app.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CALL_CHANNEL } from '../../src/shared/api';
import { RENDERER_CSP_HEADER } from '../../src/renderer/csp';

type Listener = (...args: unknown[]) => unknown;

const recorded = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; loadedUrl: string | null; destroyed: boolean; printOptions: unknown }[],
  appListeners: new Map<string, Listener>(),
  ipcChannels: [] as string[],
  beforeRequest: null as null | ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void),
  headersReceived: null as
    | null
    | ((details: { responseHeaders: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void),
  permissionRequest: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void),
  permissionCheck: null as null | (() => boolean),
  engineOptions: [] as Record<string, unknown>[],
}));

vi.mock('electron', () => {
  class FakeWebContents {
    readonly mainFrame = { url: '' };
    constructor(private readonly record: { printOptions: unknown }) {}
    send(): void {}
    async printToPDF(options: unknown): Promise<Buffer> {
      this.record.printOptions = options;
      return Buffer.from('%PDF-1.4 fake');
    }
    isDestroyed(): boolean {
      return false;
    }
  }
  class BrowserWindow {
    readonly webContents: FakeWebContents;
    private readonly record: (typeof recorded.windows)[number];
    constructor(options: Record<string, unknown>) {
      this.record = { options, loadedUrl: null, destroyed: false, printOptions: null };
      this.webContents = new FakeWebContents(this.record);
      recorded.windows.push(this.record);
    }
    destroy(): void {
      this.record.destroyed = true;
    }
    static getAllWindows(): unknown[] {
      return recorded.windows;
    }
    on(): void {}
    once(): void {}
    show(): void {}
    async loadURL(url: string): Promise<void> {
      this.record.loadedUrl = url;
    }
  }
  return {
    app: {
      isPackaged: false,
      getAppPath: () => '/repo',
      getPath: () => '/home/user/.config/edgescope',
      whenReady: async () => undefined,
      on: (event: string, listener: Listener) => recorded.appListeners.set(event, listener),
      quit: () => undefined,
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string) => recorded.ipcChannels.push(channel),
      removeHandler: () => undefined,
    },
    session: {
      defaultSession: {
        webRequest: {
          onBeforeRequest: (listener: typeof recorded.beforeRequest) => (recorded.beforeRequest = listener),
          onHeadersReceived: (listener: typeof recorded.headersReceived) => (recorded.headersReceived = listener),
        },
        setPermissionRequestHandler: (handler: typeof recorded.permissionRequest) => (recorded.permissionRequest = handler),
        setPermissionCheckHandler: (handler: typeof recorded.permissionCheck) => (recorded.permissionCheck = handler),
      },
    },
  };
});

vi.mock('../../src/main/engine/engine', async () => {
  const { FakeEngine } = await import('../bridge/fake-engine');
  return {
    createEngine: (options: Record<string, unknown>) => {
      recorded.engineOptions.push(options);
      return Object.assign(new FakeEngine(), { dispose: async () => undefined });
    },
  };
});

describe('the Electron host', () => {
  beforeAll(async () => {
    delete process.env.ELECTRON_RENDERER_URL;
    await import('../../src/main/host/index');
    // main() continues after app.whenReady() resolves.
    await vi.waitFor(() => {
      if (recorded.windows.length !== 1) throw new Error('no window yet');
    });
  });

  it('opens one isolated, sandboxed window without Node in the renderer', () => {
    const prefs = recorded.windows[0].options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/[\\/]preload[\\/]index\.js$/);
  });

  it("loads the app's own index.html from disk", async () => {
    await expect.poll(() => recorded.windows[0].loadedUrl).toMatch(/^file:\/\/.*\/renderer\/index\.html$/);
  });

  it('gives the engine the bundled run worker and the demo models folder', () => {
    expect(recorded.engineOptions).toHaveLength(1);
    expect(String(recorded.engineOptions[0].workerScriptPath)).toMatch(/[\\/]run-worker\.js$/);
    expect(recorded.engineOptions[0].demoModelsDir).toBe('/repo/resources/models');
  });

  it("prints report PDFs with Electron's printToPDF in a hidden sandboxed window, then closes it", async () => {
    const printPdf = recorded.engineOptions[0].printPdf as (html: string) => Promise<Uint8Array>;
    const html = '<!doctype html><title>report</title><p>ops</p>';
    const pdf = await printPdf(html);
    expect(Buffer.from(pdf).toString()).toBe('%PDF-1.4 fake');
    const printer = recorded.windows[1];
    expect(printer.options).toMatchObject({ show: false, webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect((printer.options.webPreferences as Record<string, unknown>).preload).toBeUndefined();
    expect(Buffer.from(printer.loadedUrl!.replace('data:text/html;base64,', ''), 'base64').toString()).toBe(html);
    expect(printer.printOptions).toMatchObject({ printBackground: true });
    expect(printer.destroyed).toBe(true);
    recorded.windows.splice(1);
  });

  it('binds the engine to the IPC call channel', () => {
    expect(recorded.ipcChannels).toEqual([IPC_CALL_CHANNEL]);
  });

  it('sets the CSP header on every response', () => {
    let headers: Record<string, string[]> = {};
    recorded.headersReceived?.({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP_HEADER] });
  });

  it('cancels every request that is not one of its own files', () => {
    const appFolder = recorded.windows[0].loadedUrl?.replace(/index\.html$/, '') ?? '';
    const cancelled = (url: string): boolean | undefined => {
      let result: boolean | undefined;
      recorded.beforeRequest?.({ url }, (response) => (result = response.cancel));
      return result;
    };
    expect(cancelled(`${appFolder}assets/index.js`)).toBe(false);
    expect(cancelled('https://example.com/tracker.js')).toBe(true);
    expect(cancelled('http://127.0.0.1:8080/')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
  });

  it('denies every permission', () => {
    let granted: boolean | undefined;
    recorded.permissionRequest?.({}, 'media', (answer) => (granted = answer));
    expect(granted).toBe(false);
    expect(recorded.permissionCheck?.()).toBe(false);
  });

  it('denies new windows, navigation and webviews in every webContents', () => {
    const handlers = new Map<string, Listener>();
    const openHandlers: (() => { action: string })[] = [];
    const contents = {
      setWindowOpenHandler: (handler: () => { action: string }) => openHandlers.push(handler),
      on: (event: string, handler: Listener) => handlers.set(event, handler),
    };
    recorded.appListeners.get('web-contents-created')?.({}, contents);
    expect(openHandlers.map((handler) => handler())).toEqual([{ action: 'deny' }]);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      handlers.get(event)?.({ preventDefault });
      expect(preventDefault).toHaveBeenCalledOnce();
    }
  });
});
