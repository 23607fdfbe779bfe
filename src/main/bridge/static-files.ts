/**
 * Serves the built renderer (a flat tree of files vite wrote) read-only, from one root folder.
 *
 * Invariant: a response body is always a regular file whose real path (symlinks resolved) lies inside the
 * root. Anything else (encoded '..', NUL, backslashes, symlinks out, directories) is a 404 or 400, never a
 * listing and never a file outside.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, posix, sep } from 'node:path';
import { RENDERER_CSP_HEADER } from '../../renderer/csp';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers every bridge response carries, file or error. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // The page URL carries the session token; nothing here should outlive the bridge.
  'Cache-Control': 'no-store',
};

function mimeTypeFor(filePath: string): string {
  return MIME_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a request path to a candidate file under `root`, or null when the path is malformed or would leave
 * the root lexically. The caller still resolves symlinks (see serveStatic).
 */
function staticPathFor(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const normalized = posix.normalize(decoded);
  if (normalized.split('/').includes('..')) return null;
  const relative = normalized === '/' ? 'index.html' : normalized.slice(1);
  const candidate = join(root, ...relative.split('/'));
  return candidate === root || candidate.startsWith(root + sep) ? candidate : null;
}

function sendStatus(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** `rootReal` must already be a real path (fs.realpath) so the containment check compares like with like. */
export async function serveStatic(rootReal: string, req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendStatus(res, 405, 'Method Not Allowed');
    return;
  }
  const candidate = staticPathFor(rootReal, urlPath);
  if (candidate === null) {
    sendStatus(res, 400, 'Bad Request');
    return;
  }
  let filePath: string;
  let size: number;
  try {
    filePath = await realpath(candidate);
    const info = await stat(filePath);
    if (!info.isFile() || !filePath.startsWith(rootReal + sep)) throw new Error('not a file inside the root');
    size = info.size;
  } catch {
    sendStatus(res, 404, 'Not Found');
    return;
  }
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': mimeTypeFor(filePath), 'Content-Length': String(size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(filePath);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
