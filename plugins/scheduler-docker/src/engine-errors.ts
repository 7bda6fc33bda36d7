/**
 * The Docker boundary: engine and registry failures become GoferErrors with stable codes.
 * dockerode errors carry `statusCode` (HTTP from the engine) or a socket `code`.
 */
import { GoferError, isGoferError } from '@gofer/core/api';

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const AUTH = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access/i;
const NO_IMAGE = /manifest unknown|not found|no such image|repository does not exist|name unknown/i;

interface DockerishError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** What the failing call was about, for the message. */
export interface ErrorContext {
  /** The engine address, for "cannot reach" messages. */
  engine: string;
  image?: string;
  container?: string;
}

function describe(err: unknown): DockerishError {
  return typeof err === 'object' && err !== null ? (err as DockerishError) : { message: String(err) };
}

/** True when the engine answered 404 for the thing asked about. */
export function isNotFound(err: unknown): boolean {
  return describe(err).statusCode === 404;
}

/** True when the engine answered 304 (already in that state) or 409 (conflict, e.g. not running). */
export function isNoOp(err: unknown): boolean {
  const status = describe(err).statusCode;
  return status === 304 || status === 409;
}

/** A GoferError that the engine address cannot be reached, with the way to start an engine. */
export function unavailable(ctx: ErrorContext, cause: unknown): GoferError {
  const detail = describe(cause).message ?? String(cause);
  return new GoferError('ERR_SCHEDULER_UNAVAILABLE',
    `Cannot reach the Docker engine at ${ctx.engine} (${detail}). Start one with \`bash scripts/docker-up.sh\`, or point the docker scheduler's "socketPath"/"host" setting at a running engine.`,
    { cause, details: { engine: ctx.engine } });
}

/** Translates any failure of an engine call. Gofer errors pass through unchanged. */
export function translateEngineError(err: unknown, ctx: ErrorContext, operation: string): GoferError {
  if (isGoferError(err)) return err;
  const e = describe(err);
  const message = e.message ?? String(err);
  if (e.code && UNREACHABLE.has(e.code)) return unavailable(ctx, err);
  if (ctx.image && AUTH.test(message)) {
    return new GoferError('ERR_REGISTRY_AUTH', `The registry refused access to image ${ctx.image}: ${message}. Check the task's registryAuth user and password.`, { cause: err, details: { image: ctx.image } });
  }
  if (ctx.image && (e.statusCode === 404 || NO_IMAGE.test(message))) {
    return new GoferError('ERR_NO_SUCH_IMAGE', `Image ${ctx.image} does not exist locally and could not be pulled: ${message}`, { cause: err, details: { image: ctx.image } });
  }
  if (ctx.container && e.statusCode === 404) {
    return new GoferError('ERR_NO_SUCH_CONTAINER', `The Docker engine has no container ${ctx.container}.`, { cause: err, details: { schedulerId: ctx.container } });
  }
  return new GoferError('ERR_INTERNAL', `The Docker engine failed to ${operation}: ${message}`, { cause: err, details: { ...ctx, statusCode: e.statusCode } });
}
