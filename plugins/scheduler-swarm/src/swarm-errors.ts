/**
 * The swarm boundary: engine, swarm and registry failures become GoferErrors with stable codes.
 * dockerode errors carry `statusCode` (the engine's HTTP status) or a socket `code`.
 */
import { GoferError, isGoferError } from '@gofer/core/api';

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const NOT_IN_SWARM = /not a swarm manager|not part of a swarm|swarm is not initialized|This node is not/i;
const AUTH = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access/i;
const NO_IMAGE = /manifest unknown|no such image|repository does not exist|name unknown|not found/i;

interface DockerishError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
}

function describe(err: unknown): DockerishError {
  return typeof err === 'object' && err !== null ? (err as DockerishError) : { message: String(err) };
}

/** The engine's own message when it sent one, else the error's. */
export function engineMessage(err: unknown): string {
  const e = describe(err);
  return e.json?.message ?? e.message ?? String(err);
}

/** True when the engine answered 404 for the object asked about. */
export function isNotFound(err: unknown): boolean {
  return describe(err).statusCode === 404;
}

/** What the failing call was about, for the message. */
export interface SwarmErrorContext {
  /** The engine address, for "cannot reach" messages. */
  engine: string;
  image?: string;
  service?: string;
}

/** The engine answers but is not a swarm manager: say how to make it one. */
export function notASwarm(ctx: SwarmErrorContext, cause: unknown): GoferError {
  return new GoferError('ERR_SCHEDULER_UNAVAILABLE',
    `The Docker engine at ${ctx.engine} is not a swarm manager (${engineMessage(cause)}). ` +
    'Start a swarm with `docker swarm init --advertise-addr <this machine\'s address>` (one machine: `docker swarm init --advertise-addr 127.0.0.1`), ' +
    'or point the swarm scheduler\'s "host"/"socketPath" setting at a manager of an existing swarm.',
    { cause, details: { engine: ctx.engine } });
}

/** A registry answer about an image, as ERR_REGISTRY_AUTH or ERR_NO_SUCH_IMAGE. */
export function imageError(image: string, cause: unknown): GoferError {
  const message = engineMessage(cause);
  if (AUTH.test(message) || describe(cause).statusCode === 401) {
    return new GoferError('ERR_REGISTRY_AUTH', `The registry refused access to image ${image}: ${message}. Check the task's registryAuth user and password.`, { cause, details: { image } });
  }
  return new GoferError('ERR_NO_SUCH_IMAGE', `Image ${image} could not be found on its registry: ${message}. Swarm nodes pull images from a registry: push it there (a local-only image cannot run on a swarm).`, { cause, details: { image } });
}

/** Translates any failure of an engine call. Gofer errors pass through unchanged. */
export function translateSwarmError(err: unknown, ctx: SwarmErrorContext, operation: string): GoferError {
  if (isGoferError(err)) return err;
  const e = describe(err);
  const message = engineMessage(err);
  if (e.code && UNREACHABLE.has(e.code)) {
    return new GoferError('ERR_SCHEDULER_UNAVAILABLE',
      `Cannot reach the Docker engine at ${ctx.engine} (${message}). Start the engine, or set the swarm scheduler's "host"/"socketPath" setting (or DOCKER_HOST) to a swarm manager.`,
      { cause: err, details: { engine: ctx.engine } });
  }
  if (e.statusCode === 503 || NOT_IN_SWARM.test(message)) return notASwarm(ctx, err);
  if (ctx.image && (AUTH.test(message) || NO_IMAGE.test(message))) return imageError(ctx.image, err);
  if (ctx.service && e.statusCode === 404) {
    return new GoferError('ERR_NO_SUCH_CONTAINER', `The swarm has no service ${ctx.service}.`, { cause: err, details: { schedulerId: ctx.service } });
  }
  return new GoferError('ERR_INTERNAL', `The swarm failed to ${operation}: ${message}`, { cause: err, details: { ...ctx, statusCode: e.statusCode } });
}
