/**
 * ApiClient over the loopback bridge's WebSocket (protocol: src/shared/transport/bridge-protocol.ts).
 *
 * One socket for the page's lifetime. Calls made before it opens wait for it; if it closes, every pending
 * and later call fails with E_BRIDGE and `onClosed` is told once (the bridge's token dies with its process,
 * so there is nothing to reconnect to).
 */
import type { ApiEventName, ApiEvents } from '../../../shared/api';
import { BRIDGE_TOKEN_PARAM, BRIDGE_WS_PATH, parseServerFrame, type CallMessage, type CallReply } from '../../../shared/transport/bridge-protocol';
import { ApiCallError, type ApiClient } from './client';

type AnyListener = (payload: unknown) => void;

export function createWsClient(origin: string, token: string, onClosed: (error: ApiCallError) => void): ApiClient {
  const socket = new WebSocket(`${origin}${BRIDGE_WS_PATH}?${BRIDGE_TOKEN_PARAM}=${encodeURIComponent(token)}`);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('close', () => reject(new ApiCallError('E_BRIDGE', 'could not connect to the edgescope bridge (stopped, or a stale token?)')), { once: true });
  });
  // Marks the rejection handled; each call awaits `opened` itself.
  opened.catch(() => undefined);

  const pending = new Map<number, (reply: CallReply) => void>();
  const listeners = new Map<ApiEventName, Set<AnyListener>>();
  let nextId = 1;
  let closedError: ApiCallError | null = null;

  socket.addEventListener('message', (event: MessageEvent) => {
    const message = typeof event.data === 'string' ? parseServerFrame(event.data) : null;
    if (message === null) {
      console.error('edgescope: unreadable frame from the bridge');
      return;
    }
    switch (message.type) {
      case 'result': {
        const settle = pending.get(message.id);
        pending.delete(message.id);
        settle?.(message);
        break;
      }
      case 'event':
        for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
        break;
      case 'protocolError':
        // Only a client bug produces frames the server cannot tie to a call.
        console.error(`edgescope bridge: ${message.error.message}`);
        break;
    }
  });
  socket.addEventListener('close', () => {
    const error = new ApiCallError('E_BRIDGE', 'the connection to the edgescope bridge was closed');
    closedError = error;
    for (const settle of pending.values()) settle({ ok: false, error: { code: error.code, message: error.message } });
    pending.clear();
    onClosed(error);
  });

  return {
    transport: 'bridge',
    async call(method, req) {
      await opened;
      if (closedError) throw closedError;
      const id = nextId++;
      const reply = await new Promise<CallReply>((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ type: 'call', id, method, req } as CallMessage));
      });
      if (!reply.ok) throw new ApiCallError(reply.error.code, reply.error.message);
      return reply.result as never;
    },
    on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      const set = listeners.get(event) ?? new Set<AnyListener>();
      listeners.set(event, set);
      set.add(listener as AnyListener);
      return () => {
        set.delete(listener as AnyListener);
      };
    },
    pathForFile: () => null,
  };
}
