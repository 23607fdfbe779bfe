/**
 * The renderer's Content Security Policy, in one place. It reaches the page three ways, all from this constant:
 * a <meta> tag injected into index.html by both renderer builds, the response header of the Electron host
 * (session.webRequest.onHeadersReceived) and the response header of the loopback bridge.
 *
 * Nothing but the app's own files: no inline or eval'd script, no remote hosts. 'unsafe-inline' for styles
 * only, because Svelte and d3 set style attributes. connect-src 'self' also admits the bridge's WebSocket
 * (ws: to the page's own host and port matches 'self' under CSP Level 3).
 */
export const RENDERER_CSP_META = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Browsers ignore frame-ancestors in a <meta> tag (and warn), so only the header carries it. */
export const RENDERER_CSP_HEADER = `${RENDERER_CSP_META}; frame-ancestors 'none'`;
