/**
 * The Electron main process: one engine, one locked-down window, the IPC binding between them. Everything
 * else (profiling, reports) is the engine's job; everything visible is the renderer's.
 */
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine, type Engine } from '../engine/engine';
import { bindEngineToIpc } from './ipc';
import { hardenAllWebContents, hardenSession, isAppUrl, type RendererSource } from './security';

function rendererSource(): RendererSource {
  // Set by `electron-vite dev` only; a packaged app always loads its own files.
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (!app.isPackaged && devUrl) return { kind: 'devServer', origin: new URL(devUrl).origin };
  return { kind: 'file', indexUrl: pathToFileURL(join(__dirname, '..', 'renderer', 'index.html')).href };
}

/**
 * Report HTML to PDF with Electron's own printer: a hidden, sandboxed window without preload or
 * Node that loads the self-contained report (its scripts draw the charts first) and prints it.
 */
export async function printWithElectron(html: string): Promise<Uint8Array> {
  const window = new BrowserWindow({
    show: false,
    webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  try {
    await window.loadURL(`data:text/html;base64,${Buffer.from(html).toString('base64')}`);
    return await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
  } finally {
    window.destroy();
  }
}

function createAppEngine(): Engine {
  const userData = app.getPath('userData');
  return createEngine({
    // A second main entry of the electron-vite build (see electron.vite.config.ts), forked by the engine.
    workerScriptPath: join(__dirname, 'run-worker.js'),
    workspaceDir: join(userData, 'workspace'),
    cacheDir: join(userData, 'cache'),
    // Packaged builds carry the demo models as extra resources; from the repository they sit in resources/.
    demoModelsDir: app.isPackaged ? join(process.resourcesPath, 'models') : join(app.getAppPath(), 'resources', 'models'),
    printPdf: printWithElectron,
  });
}

function createWindow(engine: Engine, source: RendererSource): BrowserWindow {
  const window = new BrowserWindow({
    width: 1480,
    height: 940,
    minWidth: 960,
    minHeight: 600,
    title: 'edgescope',
    backgroundColor: '#f6f7f9',
    show: false,
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const unbind = bindEngineToIpc({ engine, ipcMain, webContents: window.webContents, isAppUrl: (url) => isAppUrl(source, url) });
  window.on('closed', unbind);
  window.once('ready-to-show', () => window.show());
  if (source.kind === 'devServer') void window.loadURL(process.env.ELECTRON_RENDERER_URL as string);
  else void window.loadURL(source.indexUrl);
  return window;
}

async function main(): Promise<void> {
  hardenAllWebContents(app);
  await app.whenReady();
  const source = rendererSource();
  hardenSession(session.defaultSession, source);
  const engine = createAppEngine();
  createWindow(engine, source);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(engine, source);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => void engine.dispose());
}

void main();
