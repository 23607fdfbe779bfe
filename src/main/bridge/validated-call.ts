/**
 * The one place a request from outside the main process reaches the engine: the method name is checked,
 * the request validated (validateRequest), and any failure turned into an ApiError value. Both transports
 * (this bridge and the Electron IPC binding in src/main/host/ipc.ts) call it, so they cannot differ in what
 * they let through.
 */
import { API_METHODS, type ApiMethod, type EngineApi } from '../../shared/api';
import { validateRequest } from '../../shared/api-validate';
import { EdgescopeError, toApiError } from '../../shared/errors';
import type { CallReply } from '../../shared/transport/bridge-protocol';

function isApiMethod(value: unknown): value is ApiMethod {
  return typeof value === 'string' && (API_METHODS as readonly string[]).includes(value);
}

export async function callValidated(engine: EngineApi, method: unknown, req: unknown): Promise<CallReply> {
  try {
    if (!isApiMethod(method)) {
      throw new EdgescopeError('E_BAD_REQUEST', `unknown method ${JSON.stringify(method) ?? String(method)}`);
    }
    const request = validateRequest(method, req);
    const result = await engine.call(method, request);
    return { ok: true, result } as CallReply;
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
