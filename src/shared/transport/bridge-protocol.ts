/**
 * The wire protocol of the loopback bridge: the EngineApi contract (src/shared/api.ts) carried as JSON text
 * frames over one WebSocket.
 *
 * Pure and DOM/Node-free on purpose: the bridge (Node) and the renderer's WebSocket client (browser) both
 * import it, so the two ends cannot drift apart.
 *
 *   client -> server  {type:'call', id, method, req}
 *   server -> client  {type:'result', id, ok:true, result} | {type:'result', id, ok:false, error}
 *                     {type:'event', event, payload}
 *                     {type:'protocolError', error}   a frame that could not be tied to a call id
 *
 * `id` is chosen by the client, unique per connection; results may arrive in any order.
 */
import type { ApiError, ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResult } from '../api';

/** Outcome of one call as it crosses a transport: errors travel as data, never as thrown objects. */
export type CallReply<M extends ApiMethod = ApiMethod> =
  | { ok: true; result: ApiResult<M> }
  | { ok: false; error: ApiError };

export type CallMessage = { [M in ApiMethod]: { type: 'call'; id: number; method: M; req: ApiRequest<M> } }[ApiMethod];

export type ResultMessage = { type: 'result'; id: number } & CallReply;

export type EventMessage = { [E in ApiEventName]: { type: 'event'; event: E; payload: ApiEvents[E] } }[ApiEventName];

export interface ProtocolErrorMessage {
  type: 'protocolError';
  error: ApiError;
}

export type ServerMessage = ResultMessage | EventMessage | ProtocolErrorMessage;

/** Path of the WebSocket endpoint on the bridge's HTTP server. */
export const BRIDGE_WS_PATH = '/ws';
/** Query parameters of the page URL (and, for the token, of the WebSocket URL). */
export const BRIDGE_MODE_PARAM = 'bridge';
export const BRIDGE_MODE_WS = 'ws';
export const BRIDGE_TOKEN_PARAM = 'token';

/**
 * What the server makes of one client frame before validation of the request itself (validateRequest does
 * that): either a call envelope, or an error that is tied to the call's id when one could be read.
 */
export type ParsedClientFrame =
  | { kind: 'call'; id: number; method: unknown; req: unknown }
  | { kind: 'invalid'; id: number | null; message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCallId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function parseClientFrame(text: string): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', id: null, message: 'frame is not valid JSON' };
  }
  if (!isRecord(value)) return { kind: 'invalid', id: null, message: 'frame must be a JSON object' };
  const id = isCallId(value.id) ? value.id : null;
  if (value.type !== 'call') return { kind: 'invalid', id, message: `unknown frame type ${JSON.stringify(value.type)}` };
  if (id === null) return { kind: 'invalid', id: null, message: "'id' must be a non-negative integer" };
  return { kind: 'call', id, method: value.method, req: value.req };
}

/**
 * Envelope check of a server frame on the client. The payloads are trusted as far as their shape goes: they
 * come from the bridge on this machine, over a connection that had to present the session token.
 */
export function parseServerFrame(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'result':
      if (!isCallId(value.id) || typeof value.ok !== 'boolean') return null;
      if (!value.ok && !isApiError(value.error)) return null;
      return value as unknown as ResultMessage;
    case 'event':
      return typeof value.event === 'string' && 'payload' in value ? (value as unknown as EventMessage) : null;
    case 'protocolError':
      return isApiError(value.error) ? (value as unknown as ProtocolErrorMessage) : null;
    default:
      return null;
  }
}

function isApiError(value: unknown): value is ApiError {
  return isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string';
}
