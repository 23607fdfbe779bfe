/**
 * Lock-down of the app's one window and its session: the renderer shows the app's own files and nothing
 * else. No network (requests outside the app's origin are cancelled), no popups, no navigation, no
 * permissions, the CSP on every response.
 */
import type { App, Session, WebContents } from 'electron';
import { RENDERER_CSP_HEADER } from '../../renderer/csp';

/** Where the renderer comes from: its index.html file, or the vite dev server during `npm run dev`. */
export type RendererSource = { kind: 'file'; indexUrl: string } | { kind: 'devServer'; origin: string };

/** True for a URL of the app's page or one of its own assets. */
export function isAppUrl(source: RendererSource, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (source.kind === 'devServer') {
    // The dev server's page, its modules and its hot-reload WebSocket: same host and port, http or ws.
    return parsed.host === new URL(source.origin).host && (parsed.protocol === 'http:' || parsed.protocol === 'ws:');
  }
  // Every renderer asset lives beside index.html (vite's relative base), so the folder is the boundary.
  const folder = source.indexUrl.slice(0, source.indexUrl.lastIndexOf('/') + 1);
  return parsed.protocol === 'file:' && parsed.href.startsWith(folder);
}

function isAllowedRequest(source: RendererSource, url: string): boolean {
  // devtools: the built-in inspector; data:/blob: are in-page resources the CSP governs.
  return isAppUrl(source, url) || /^(devtools|data|blob):/.test(url);
}

export function hardenSession(session: Session, source: RendererSource): void {
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(source, details.url) }));
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP_HEADER] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Applies to every webContents the app ever creates, including any a bug might open. */
export function hardenAllWebContents(app: App): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
