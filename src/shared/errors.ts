/**
 * One error type for everything the user can get wrong or the machine can refuse.
 * `message` is a single line meant for a person; `code` is stable for programs.
 * Anything that is not an EdgescopeError is a bug and is reported as E_INTERNAL.
 */
import type { ApiError } from './api';

export type ErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_MODEL_NOT_FOUND'
  | 'E_MODEL_INVALID'
  | 'E_INPUT_UNRESOLVED'
  | 'E_INPUT_INVALID'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_RUN_FAILED'
  | 'E_CANCELLED'
  | 'E_OUTPUT'
  | 'E_NOT_FOUND'
  | 'E_INTERNAL';

export class EdgescopeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(oneLine(message));
    this.name = 'EdgescopeError';
  }
}

/** Collapse whitespace so an error always prints as exactly one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof EdgescopeError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'E_INTERNAL', message: oneLine(message) };
}

export function fromApiError(error: ApiError): EdgescopeError {
  return new EdgescopeError(error.code as ErrorCode, error.message);
}

/** Throws the one-line E_BAD_REQUEST every validator reports bad input with. */
export function badRequest(message: string): never {
  throw new EdgescopeError('E_BAD_REQUEST', message);
}
