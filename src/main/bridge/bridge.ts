/**
 * The loopback bridge: the same EngineApi the Electron app uses over IPC, offered to a browser tab on this
 * machine. One HTTP server on 127.0.0.1 serves the built renderer and upgrades /ws to a WebSocket that
 * carries the protocol in ./protocol.ts. Used by the browser tests and for manual testing (`npm run bridge`).
 *
 * Who may talk to the engine: only a client that (1) reached 127.0.0.1 under an expected Host name (defeats
 * DNS rebinding), (2) sends the Origin of this very server (defeats other pages in the same browser), and
 * (3) presents the random per-run token from the page URL (defeats other local processes and pages that
 * guess the port). Everything it sends is then validated like any other request (./validated-call.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { API_EVENTS, type ApiEventName, type ApiEvents, type EngineApi } from '../../shared/api';
import { oneLine } from '../../shared/errors';
import {
  BRIDGE_MODE_PARAM,
  BRIDGE_MODE_WS,
  BRIDGE_TOKEN_PARAM,
  BRIDGE_WS_PATH,
  parseClientFrame,
  type ServerMessage,
} from '../../shared/transport/bridge-protocol';
import { serveStatic, SECURITY_HEADERS } from './static-files';
import { callValidated } from './validated-call';

export interface BridgeOptions {
  engine: EngineApi;
  /** Folder of the built renderer (dist/renderer). */
  staticDir: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
}

export interface Bridge {
  /** Page URL to open, token included. */
  url: string;
  token: string;
  /** Ends every connection and stops listening; calling it again returns the same promise. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
/**
 * Largest frame accepted. importModel carries a whole model as base64; a JS string (and so one JSON frame)
 * cannot exceed about 512 MiB in V8 anyway, so this is the practical ceiling of a browser import.
 */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** Answers one client frame. Never throws: every failure becomes a reply. */
async function answerFrame(engine: EngineApi, text: string): Promise<ServerMessage> {
  const frame = parseClientFrame(text);
  if (frame.kind === 'invalid') {
    const error = { code: 'E_BAD_REQUEST', message: oneLine(frame.message) };
    return frame.id === null ? { type: 'protocolError', error } : { type: 'result', id: frame.id, ok: false, error };
  }
  const reply = await callValidated(engine, frame.method, frame.req);
  return { type: 'result', id: frame.id, ...reply };
}

function tokensEqual(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request target as a URL, or null when it does not parse (a raw request line can hold anything). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', `http://${LOOPBACK}`);
  } catch {
    return null;
  }
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  let text: string;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    // A result that cannot be serialised is an engine bug; the caller still gets an answer.
    const error = { code: 'E_INTERNAL', message: oneLine(`result could not be serialised: ${String(err)}`) };
    text = JSON.stringify(message.type === 'result' ? { type: 'result', id: message.id, ok: false, error } : { type: 'protocolError', error });
  }
  socket.send(text);
}

function rawDataToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

function serveConnection(engine: EngineApi, socket: WebSocket): void {
  const unsubscribers = API_EVENTS.map((event) =>
    engine.on(event, (payload: ApiEvents[ApiEventName]) => send(socket, { type: 'event', event, payload } as ServerMessage)),
  );
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      send(socket, { type: 'protocolError', error: { code: 'E_BAD_REQUEST', message: 'binary frames are not accepted' } });
      return;
    }
    void answerFrame(engine, rawDataToText(data)).then((reply) => send(socket, reply));
  });
  socket.on('close', () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  });
  socket.on('error', () => socket.terminate());
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const staticRoot = await realpath(options.staticDir);
  const token = randomBytes(32).toString('hex');
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  const server: Server = createServer((req, res) => {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Misdirected Request\n');
      return;
    }
    const url = requestUrl(req);
    if (url === null) {
      res.writeHead(400, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Bad Request\n');
      return;
    }
    if (url.pathname === BRIDGE_WS_PATH) {
      res.writeHead(426, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Upgrade Required\n');
      return;
    }
    void serveStatic(staticRoot, req, res, url.pathname);
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  wss.on('connection', (socket) => serveConnection(options.engine, socket));

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    if (url === null || url.pathname !== BRIDGE_WS_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    if (!allowedHosts.has(req.headers.host ?? '')) return rejectUpgrade(socket, 421, 'Misdirected Request');
    if (!allowedOrigins.has(req.headers.origin ?? '')) return rejectUpgrade(socket, 403, 'Forbidden');
    if (!tokensEqual(token, url.searchParams.get(BRIDGE_TOKEN_PARAM))) return rejectUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([...allowedHosts].map((host) => `http://${host}`));

  const pageUrl = new URL(`http://${LOOPBACK}:${port}/`);
  pageUrl.searchParams.set(BRIDGE_MODE_PARAM, BRIDGE_MODE_WS);
  pageUrl.searchParams.set(BRIDGE_TOKEN_PARAM, token);

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: pageUrl.toString(),
    token,
    close: () => (closing ??= close()),
  };
}
