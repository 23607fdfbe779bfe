import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../src/main/bridge/bridge';
import { parseServerFrame, type ServerMessage } from '../../src/shared/transport/bridge-protocol';
import { API_EVENTS } from '../../src/shared/api';
import type { Comparison } from '../../src/shared/report';
import { RENDERER_CSP_HEADER } from '../../src/renderer/csp';
import { FAKE_DEVICES, FakeEngine } from './fake-engine';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** http.request rather than fetch: fetch normalises '..' out of URLs, which would hide traversal attempts. */
function rawGet(bridge: Bridge, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { port } = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsUrl(bridge: Bridge, token: string | null): string {
  const url = new URL(bridge.url);
  const base = `ws://${url.host}/ws`;
  return token === null ? base : `${base}?token=${token}`;
}

function originOf(bridge: Bridge): string {
  return new URL(bridge.url).origin;
}

/** Opens a socket and resolves once open, or rejects with the HTTP status of a refused upgrade. */
function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Collects every parsed server frame of a socket; `next` waits for the first one matching. */
function inbox(socket: WebSocket) {
  const received: ServerMessage[] = [];
  const waiters: { match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  socket.on('message', (data) => {
    const message = parseServerFrame(data.toString());
    if (message === null) throw new Error(`unparseable server frame: ${data.toString()}`);
    received.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return {
    received,
    next(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

/** Starts a profile job of the fake engine over the socket and resolves with its id. */
async function startJob(socket: WebSocket, box: ReturnType<typeof inbox>, id: number): Promise<string> {
  socket.send(JSON.stringify({ type: 'call', id, method: 'startProfile', req: { modelPath: '/fake/resources/models/mlp-lenet-300-100.onnx', prune: [0.9] } }));
  const started = await box.next((m) => m.type === 'result' && m.id === id);
  return started.type === 'result' && started.ok ? (started.result as { jobId: string }).jobId : '';
}

describe('bridge', () => {
  let staticDir: string;
  let outsideDir: string;
  let engine: FakeEngine;
  let bridge: Bridge;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    outsideDir = mkdtempSync(join(tmpdir(), 'edgescope-bridge-'));
    staticDir = join(outsideDir, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>edgescope</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(staticDir, 'assets', 'app.css'), 'body{}');
    writeFileSync(join(outsideDir, 'secret.txt'), 'do not serve');
    symlinkSync(join(outsideDir, 'secret.txt'), join(staticDir, 'assets', 'link.txt'));
    engine = new FakeEngine({ stepMs: 5 });
    bridge = await startBridge({ engine, staticDir });
  });

  afterEach(async () => {
    await Promise.all(
      sockets.splice(0).map((socket) => {
        if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.terminate();
        return closed;
      }),
    );
    // The server notices a terminated socket a little later than the client does.
    await expect.poll(() => engine.listenerCount()).toBe(0);
  });

  afterAll(async () => {
    await bridge.close();
    engine.dispose();
    rmSync(outsideDir, { recursive: true, force: true });
  });

  async function open(): Promise<WebSocket> {
    const socket = await connect(wsUrl(bridge, bridge.token), originOf(bridge));
    sockets.push(socket);
    return socket;
  }

  it('listens on 127.0.0.1 and puts a 32-byte hex token in the page URL', () => {
    const url = new URL(bridge.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get('token')).toBe(bridge.token);
    expect(url.searchParams.get('bridge')).toBe('ws');
  });

  describe('static files', () => {
    it('serves index.html with the CSP and hardening headers', async () => {
      const res = await rawGet(bridge, '/');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(RENDERER_CSP_HEADER);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain('<title>edgescope</title>');
    });

    it.each([
      ['/assets/app.js', 'text/javascript; charset=utf-8'],
      ['/assets/app.css', 'text/css; charset=utf-8'],
    ])('serves %s as %s', async (path, mime) => {
      const res = await rawGet(bridge, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(mime);
    });

    it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/%00index.html'])(
      'refuses the traversal %s',
      async (path) => {
        const res = await rawGet(bridge, path);
        expect([400, 404]).toContain(res.status);
        expect(res.body).not.toContain('do not serve');
        expect(res.headers['content-security-policy']).toBe(RENDERER_CSP_HEADER);
      },
    );

    it('refuses a symlink that leads out of the root, and directories', async () => {
      expect((await rawGet(bridge, '/assets/link.txt')).status).toBe(404);
      expect((await rawGet(bridge, '/assets')).status).toBe(404);
      expect((await rawGet(bridge, '/missing.js')).status).toBe(404);
    });

    it('answers an unparseable request target with 400 and keeps serving', async () => {
      const res = await rawGet(bridge, 'http://[');
      expect([res.status, res.body]).toEqual([400, 'Bad Request\n']);
      expect((await rawGet(bridge, '/')).status).toBe(200);
    });

    it('refuses a foreign Host header (DNS rebinding)', async () => {
      const res = await rawGet(bridge, '/', { Host: 'attacker.example:80' });
      expect(res.status).toBe(421);
    });
  });

  describe('WebSocket access', () => {
    it('refuses a connection without a token', async () => {
      await expect(connect(wsUrl(bridge, null), originOf(bridge))).rejects.toThrow('HTTP 401');
    });

    it('refuses a wrong token, including one of the right length', async () => {
      await expect(connect(wsUrl(bridge, 'nope'), originOf(bridge))).rejects.toThrow('HTTP 401');
      const wrong = bridge.token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      await expect(connect(wsUrl(bridge, wrong), originOf(bridge))).rejects.toThrow('HTTP 401');
    });

    it('refuses a foreign or missing Origin even with the right token', async () => {
      await expect(connect(wsUrl(bridge, bridge.token), 'http://evil.example')).rejects.toThrow('HTTP 403');
      await expect(connect(wsUrl(bridge, bridge.token))).rejects.toThrow('HTTP 403');
    });

    it('accepts the right token from its own origin and answers a call', async () => {
      const socket = await open();
      const box = inbox(socket);
      socket.send(JSON.stringify({ type: 'call', id: 1, method: 'listDemoModels', req: {} }));
      const reply = await box.next((m) => m.type === 'result' && m.id === 1);
      expect(reply).toMatchObject({ type: 'result', id: 1, ok: true });
      expect(reply.type === 'result' && reply.ok && (reply.result as { id: string }[]).map((m) => m.id)).toEqual(['mlp-lenet-300-100', 'cnn-small']);
    });
  });

  describe('calls', () => {
    it('validates requests before the engine sees them (E_BAD_REQUEST)', async () => {
      const socket = await open();
      const box = inbox(socket);
      const before = engine.calls.length;
      socket.send(JSON.stringify({ type: 'call', id: 2, method: 'startProfile', req: { modelPath: '' } }));
      socket.send(JSON.stringify({ type: 'call', id: 3, method: 'openModel', req: { path: '/x', extra: 1 } }));
      socket.send(JSON.stringify({ type: 'call', id: 4, method: 'deleteEverything', req: {} }));
      socket.send(JSON.stringify({ type: 'call', id: 5, method: 'startProfile', req: { modelPath: '/m.onnx', prune: [1.5] } }));
      for (const id of [2, 3, 4, 5]) {
        const reply = await box.next((m) => m.type === 'result' && m.id === id);
        expect(reply).toMatchObject({ type: 'result', id, ok: false, error: { code: 'E_BAD_REQUEST' } });
      }
      expect(engine.calls.length).toBe(before);
    });

    it('passes engine errors through as ApiError', async () => {
      const socket = await open();
      const box = inbox(socket);
      socket.send(JSON.stringify({ type: 'call', id: 6, method: 'openModel', req: { path: '/nowhere.onnx' } }));
      const reply = await box.next((m) => m.type === 'result' && m.id === 6);
      expect(reply).toMatchObject({ ok: false, error: { code: 'E_MODEL_NOT_FOUND', message: 'no such file: /nowhere.onnx' } });
    });

    it('answers malformed frames with an error and keeps the connection', async () => {
      const socket = await open();
      const box = inbox(socket);
      socket.send('{not json');
      socket.send(JSON.stringify([1, 2]));
      socket.send(JSON.stringify({ type: 'subscribe', id: 7 }));
      socket.send(Buffer.from([1, 2, 3]), { binary: true });
      await box.next((m) => m.type === 'result' && m.id === 7);
      expect(box.received.filter((m) => m.type === 'protocolError')).toHaveLength(3);
      expect(box.received.find((m) => m.type === 'result' && m.id === 7)).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST' } });
      socket.send(JSON.stringify({ type: 'call', id: 8, method: 'listBackends', req: {} }));
      expect(await box.next((m) => m.type === 'result' && m.id === 8)).toMatchObject({ ok: true });
    });
  });

  describe('compareRuns', () => {
    it('compares any two runs of a finished job, and names the runs a report has when asked for another', async () => {
      const socket = await open();
      const box = inbox(socket);
      const jobId = await startJob(socket, box, 20);
      const done = await box.next((m) => m.type === 'event' && m.event === 'jobDone' && m.payload.jobId === jobId);
      const reported = done.type === 'event' && done.event === 'jobDone' ? done.payload.report.comparisons[0] : null;
      expect(reported).toMatchObject({ baseline: 'dense', candidate: 'pruned-0.9', ep: 'cpu' });

      const reverse = { baseline: { variant: 'pruned-0.9', ep: 'cpu' }, candidate: { variant: 'dense', ep: 'cpu' } };
      socket.send(JSON.stringify({ type: 'call', id: 21, method: 'compareRuns', req: { jobId, ...reverse } }));
      const reply = await box.next((m) => m.type === 'result' && m.id === 21);
      const result = reply.type === 'result' && reply.ok ? (reply.result as Comparison) : null;
      expect(result).toMatchObject({ baseline: 'pruned-0.9', candidate: 'dense', ep: 'cpu', baselineEp: 'cpu' });
      expect(result?.speedupMedian).toBeCloseTo(1 / (reported?.speedupMedian ?? NaN), 12);
      expect(result?.ops.length).toBe(reported?.ops.length);

      socket.send(JSON.stringify({ type: 'call', id: 22, method: 'compareRuns', req: { jobId, ...reverse, candidate: { variant: 'dense', ep: 'webgpu' } } }));
      expect(await box.next((m) => m.type === 'result' && m.id === 22)).toMatchObject({
        ok: false,
        error: { code: 'E_NOT_FOUND', message: 'no run dense@webgpu in this report (runs: dense@cpu, pruned-0.9@cpu)' },
      });
    });
  });

  describe('devices', () => {
    it('answers listDevices with the inventory, refuses fields in its request, and forwards devicesChanged', async () => {
      const socket = await open();
      const box = inbox(socket);
      socket.send(JSON.stringify({ type: 'call', id: 30, method: 'listDevices', req: {} }));
      expect(await box.next((m) => m.type === 'result' && m.id === 30)).toEqual({ type: 'result', id: 30, ok: true, result: FAKE_DEVICES });
      socket.send(JSON.stringify({ type: 'call', id: 31, method: 'listDevices', req: { bus: 'usb' } }));
      expect(await box.next((m) => m.type === 'result' && m.id === 31)).toMatchObject({ ok: false, error: { code: 'E_BAD_REQUEST', message: "listDevices: unknown field 'bus'" } });

      engine.emit('devicesChanged', {});
      expect(await box.next((m) => m.type === 'event' && m.event === 'devicesChanged')).toEqual({ type: 'event', event: 'devicesChanged', payload: {} });
    });
  });

  describe('events', () => {
    it('delivers job events and stops listening when the socket closes', async () => {
      const socket = await open();
      const box = inbox(socket);
      const jobId = await startJob(socket, box, 9);
      const progress = await box.next((m) => m.type === 'event' && m.event === 'jobProgress');
      expect(progress).toMatchObject({ event: 'jobProgress', payload: { jobId, stage: 'prepare' } });
      const done = await box.next((m) => m.type === 'event' && m.event === 'jobDone');
      expect(done.type === 'event' && done.event === 'jobDone' && done.payload.report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.9']);

      // One listener per event of the contract.
      expect(engine.listenerCount()).toBe(API_EVENTS.length);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
      await expect.poll(() => engine.listenerCount()).toBe(0);
    });
  });
});
