/**
 * The Docker boundary: engine and registry failures become GoferErrors with stable codes.
 * dockerode errors carry `statusCode` (the engine's HTTP status, with its JSON body in `json`)
 * or, when no answer came, a socket `code`. Each plugin names itself through an
 * {@link EngineVocabulary}; the rules of which failure gets which code are the same for all.
 */
import { GoferError, isGoferError } from '@gofer/core/api';

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const AUTH = /unauthorized|authentication required|no basic auth credentials|incorrect username or password|denied: requested access/i;
const NO_IMAGE = /manifest unknown|not found|no such image|repository does not exist|name unknown/i;

/** What dockerode's errors carry. */
export interface EngineFailure {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
}

/** What the failing call was about, for the message and the error's details. */
export interface EngineErrorContext {
  /** The engine address, for "cannot reach" messages. */
  engine: string;
  /** Set when the call was about an image: a 404 or a registry refusal is then about it. */
  image?: string;
  /** Set when the call was about one container (or service): a 404 is then about it. */
  schedulerId?: string;
}

/** How one plugin speaks about its engine in messages. */
export interface EngineVocabulary {
  /** The subject of "... failed to <operation>": `The Docker engine`, `The swarm`. */
  subject: string;
  /** What a scheduler id names: `container`, `service`. */
  object: string;
  /** Said after "Cannot reach the Docker engine at <address> (<why>)." */
  unreachableFix: string;
  /** Said of a missing image: `does not exist locally and could not be pulled`. */
  missingImage: string;
  /** Said after the missing-image message, when there is more to do. */
  missingImageFix?: string;
  /** Answers this engine gives that need their own message (swarm: "not a manager"); checked after reachability. */
  recognise?: (err: unknown, ctx: EngineErrorContext) => GoferError | undefined;
}

/** The fields of a dockerode failure (anything else reads as a bare message). */
export function engineFailure(err: unknown): EngineFailure {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

/** The engine's own message when it sent one, else the error's. */
export function engineMessage(err: unknown): string {
  const e = engineFailure(err);
  return e.json?.message ?? e.message ?? String(err);
}

/** True when the engine answered 404 for the thing asked about. */
export function isNotFound(err: unknown): boolean {
  return engineFailure(err).statusCode === 404;
}

/** True when the engine answered 304 (already in that state) or 409 (conflict, e.g. not running). */
export function isNoOp(err: unknown): boolean {
  const status = engineFailure(err).statusCode;
  return status === 304 || status === 409;
}

/** True when the request got no answer at all (a socket error code), so it says nothing about an image or a container. */
export function isTransportError(err: unknown): boolean {
  return typeof engineFailure(err).code === 'string';
}

/** True when the engine address cannot be reached. */
export function isUnreachable(err: unknown): boolean {
  const code = engineFailure(err).code;
  return code !== undefined && UNREACHABLE.has(code);
}

/** ERR_SCHEDULER_UNAVAILABLE: the engine cannot be reached, and what to do about it. */
export function unavailable(vocab: EngineVocabulary, engine: string, cause: unknown): GoferError {
  return new GoferError('ERR_SCHEDULER_UNAVAILABLE', `Cannot reach the Docker engine at ${engine} (${engineMessage(cause)}). ${vocab.unreachableFix}`, {
    cause,
    details: { engine },
  });
}

/** A registry's (or engine's) answer about an image, as ERR_REGISTRY_AUTH or ERR_NO_SUCH_IMAGE. */
export function imageError(vocab: EngineVocabulary, image: string, cause: unknown): GoferError {
  const message = engineMessage(cause);
  if (AUTH.test(message) || engineFailure(cause).statusCode === 401) {
    return new GoferError('ERR_REGISTRY_AUTH', `The registry refused access to image ${image}: ${message}. Check the task's registryAuth user and password.`, {
      cause,
      details: { image },
    });
  }
  const fix = vocab.missingImageFix ? ` ${vocab.missingImageFix}` : '';
  return new GoferError('ERR_NO_SUCH_IMAGE', `Image ${image} ${vocab.missingImage}: ${message}.${fix}`, { cause, details: { image } });
}

/** ERR_NO_SUCH_CONTAINER for a scheduler id the engine does not know. */
export function noSuchObject(vocab: EngineVocabulary, schedulerId: string, cause?: unknown): GoferError {
  return new GoferError('ERR_NO_SUCH_CONTAINER', `${vocab.subject} has no ${vocab.object} ${schedulerId}.`, {
    ...(cause === undefined ? {} : { cause }),
    details: { schedulerId },
  });
}

/**
 * Translates any failure of an engine call, in this order: Gofer errors pass through; no answer
 * (socket codes) is ERR_SCHEDULER_UNAVAILABLE; the vocabulary's own answers; with an image in
 * the context, a refusal or "not found" is about the image; with a scheduler id, a 404 is about
 * it; anything else is ERR_INTERNAL naming the operation.
 */
export function translateEngineError(vocab: EngineVocabulary, err: unknown, ctx: EngineErrorContext, operation: string): GoferError {
  if (isGoferError(err)) return err;
  if (isUnreachable(err)) return unavailable(vocab, ctx.engine, err);
  const own = vocab.recognise?.(err, ctx);
  if (own) return own;
  const { statusCode } = engineFailure(err);
  const message = engineMessage(err);
  if (ctx.image && (statusCode === 401 || statusCode === 404 || AUTH.test(message) || NO_IMAGE.test(message))) return imageError(vocab, ctx.image, err);
  if (ctx.schedulerId && statusCode === 404) return noSuchObject(vocab, ctx.schedulerId, err);
  return new GoferError('ERR_INTERNAL', `${vocab.subject} failed to ${operation}: ${message}`, { cause: err, details: { ...ctx, statusCode } });
}
