/**
 * The one table that maps error codes to HTTP statuses. A code missing here answers 500:
 * add a row when a new code can reach a client.
 */
import { isGoferError, type ErrorCode } from '../api/index.js';

export const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  ERR_CONFLICT: 409,
  ERR_EXTENSION_UNAVAILABLE: 503,
  ERR_FORBIDDEN: 403,
  ERR_GOFER_CLOSED: 503,
  ERR_INVALID_ARGUMENT: 400,
  ERR_NOT_FOUND: 404,
  ERR_PIPELINE_DISABLED: 409,
  ERR_PIPELINE_INVALID: 400,
  ERR_PLUGIN_SETTINGS_INVALID: 400,
  ERR_SCHEDULER_UNAVAILABLE: 503,
  ERR_SECRET_KEY_INVALID: 503,
  ERR_UNAUTHENTICATED: 401,
};

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

/** Status and body for any thrown value; foreign errors become ERR_INTERNAL (message kept, no stack). */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isGoferError(err)) {
    return { status: STATUS_BY_CODE[err.code] ?? 500, body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: `Internal error: ${message}`, details: {} } } };
}
