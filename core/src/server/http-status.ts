/**
 * The one table that maps error codes to HTTP statuses. It is total: a new code in the
 * registry does not compile until it has a status here. Codes that only arise inside the core
 * or a plugin (a broken plugin, an engine's missing container) answer 500 if one ever escapes.
 */
import { isGoferError, type ErrorCode } from '../api/index.js';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  ERR_CONCURRENCY_GROUP_BUSY: 409,
  ERR_CONFIG_INVALID: 500,
  ERR_CONFIG_NOT_FOUND: 500,
  ERR_CONFLICT: 409,
  ERR_DATA_DIR: 500,
  ERR_DATA_DIR_LOCKED: 409,
  ERR_EXTENSION_UNAVAILABLE: 503,
  ERR_FORBIDDEN: 403,
  ERR_GOFER_CLOSED: 503,
  ERR_INTERNAL: 500,
  ERR_INVALID_ARGUMENT: 400,
  ERR_METHOD_NOT_ALLOWED: 405,
  ERR_NOT_FOUND: 404,
  ERR_NO_SUCH_CONTAINER: 500,
  ERR_NO_SUCH_IMAGE: 500,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_PIPELINE_DISABLED: 409,
  ERR_PIPELINE_INVALID: 400,
  ERR_PLUGIN_API_VERSION: 500,
  ERR_PLUGIN_CREATE_FAILED: 500,
  ERR_PLUGIN_CREATE_TIMEOUT: 500,
  ERR_PLUGIN_DEPENDENCY_MISSING: 500,
  ERR_PLUGIN_DUPLICATE: 500,
  ERR_PLUGIN_IMPORT_FAILED: 500,
  ERR_PLUGIN_INVALID_SHAPE: 500,
  ERR_PLUGIN_MANIFEST_INVALID: 500,
  ERR_PLUGIN_NOT_INSTALLED: 500,
  ERR_PLUGIN_SETTINGS_INVALID: 400,
  ERR_PLUGIN_STARTUP: 500,
  ERR_PORT_IN_USE: 500,
  ERR_REGISTRY_AUTH: 500,
  ERR_SCHEDULER_UNAVAILABLE: 503,
  ERR_SECRET_KEY_INVALID: 503,
  ERR_SQLITE_DRIVER_UNAVAILABLE: 500,
  ERR_TRIGGER_PAUSED: 409,
  ERR_UNAUTHENTICATED: 401,
  ERR_WEBHOOK_SIGNATURE: 401,
});

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
