/**
 * Coded errors. Every error Gofer raises on purpose is a {@link GoferError} whose `code` is one
 * of {@link ERROR_CODES}. Codes are permanent: scripts, HTTP clients and plugin authors may
 * branch on them. Messages say what went wrong and what to do about it.
 *
 * The registry is kept in alphabetical order and mirrored by the table in docs/error-codes.md; a test
 * keeps the two in step.
 */

/** Every error code Gofer can raise, alphabetical, with a one-line summary for docs/error-codes.md. */
export const ERROR_CODES = {
  ERR_CONCURRENCY_GROUP_BUSY: "The pipeline's concurrency group (mode skip) is full: the new run was refused; start it again once the group's runs are done.",
  ERR_CONFIG_INVALID: 'The configuration file or an environment override does not match the config schema.',
  ERR_CONFIG_NOT_FOUND: 'A configuration file was named (flag or GOFER_CONFIG) but does not exist.',
  ERR_CONFLICT: 'The request conflicts with the current state (a bootstrap token while tokens exist, a namespace that exists).',
  ERR_DATA_DIR: 'The data directory cannot be used (a file where the directory should be, no permission, a read-only disk); the message names the path.',
  ERR_DATA_DIR_LOCKED: 'Another Gofer process (or instance in this process) is using the data directory; the message names its pid and port.',
  ERR_EXTENSION_UNAVAILABLE: 'The extension named by a subscription is not loaded, or its process is down.',
  ERR_FORBIDDEN: 'The API token is valid but may not act on this namespace or route.',
  ERR_GOFER_CLOSED: 'The Gofer instance was closed; create a new one.',
  ERR_INTERNAL: 'An unexpected failure inside Gofer; the cause is attached.',
  ERR_INVALID_ARGUMENT: 'An argument to an API call is malformed; the message names the field.',
  ERR_METHOD_NOT_ALLOWED: 'The HTTP route exists but not with this method (a webhook takes POST only); the Allow header lists the methods it takes.',
  ERR_NOT_FOUND: 'The pipeline, run, task, secret, object, subscription or token does not exist.',
  ERR_NO_SUCH_CONTAINER: 'The scheduler has no container with that scheduler id.',
  ERR_NO_SUCH_IMAGE: 'The image does not exist locally and could not be pulled.',
  ERR_PAYLOAD_TOO_LARGE: "The HTTP request body is larger than the service (or the webhook's configured limit) accepts.",
  ERR_PIPELINE_DISABLED: 'The pipeline is disabled; enable it before starting runs.',
  ERR_PIPELINE_INVALID: 'The pipeline config failed validation; every problem is listed with its JSON path.',
  ERR_PLUGIN_API_VERSION: 'The plugin targets a plugin API version this core does not support, or its definition and manifest disagree.',
  ERR_PLUGIN_CREATE_FAILED: "The plugin's create() threw or rejected.",
  ERR_PLUGIN_CREATE_TIMEOUT: "The plugin's create() did not finish within the plugin time limit.",
  ERR_PLUGIN_DEPENDENCY_MISSING: 'The plugin imports a package that is not installed.',
  ERR_PLUGIN_DUPLICATE: 'Two plugins have the same kind and name.',
  ERR_PLUGIN_IMPORT_FAILED: "The plugin's entry module threw while being imported.",
  ERR_PLUGIN_INVALID_SHAPE: "The plugin's default export is not a definition made by defineScheduler/defineExtension.",
  ERR_PLUGIN_MANIFEST_INVALID: 'The "gofer" manifest in the plugin\'s package.json is malformed.',
  ERR_PLUGIN_NOT_INSTALLED: 'A plugin named in the config is not installed or not found.',
  ERR_PLUGIN_SETTINGS_INVALID: "The plugin's settings do not match its settings schema.",
  ERR_PLUGIN_STARTUP: 'One or more configured plugins failed to load; every failure is listed.',
  ERR_PORT_IN_USE: "The HTTP API's host and port are taken by another process (or cannot be bound); nothing was resumed.",
  ERR_REGISTRY_AUTH: 'The image registry refused the credentials.',
  ERR_SCHEDULER_UNAVAILABLE: 'The scheduler (for example the Docker engine) cannot be reached.',
  ERR_SECRET_KEY_INVALID: 'The secret store key is missing or too weak.',
  ERR_SQLITE_DRIVER_UNAVAILABLE: 'No SQLite driver runs on this Node.js (Node 20 without a working better-sqlite3, or a bad GOFER_SQLITE_DRIVER).',
  ERR_TRIGGER_PAUSED: 'The subscription is disabled or the triggers of its pipeline or instance are paused; the fire was recorded as skipped.',
  ERR_UNAUTHENTICATED: 'The request has no API token, or the token is unknown, revoked or expired.',
  ERR_WEBHOOK_SIGNATURE: "A webhook delivery's signature header is missing or does not match the body signed with the subscription's secret.",
} as const;

/** A permanent error code: one of the keys of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * One problem found by validation: where (a JSON pointer into the value that was checked, such as
 * `/tasks/1/dependsOn/build`, or `body/config/id` for an HTTP request part) and what is wrong.
 * Errors that report several problems at once (`ERR_PIPELINE_INVALID`, `ERR_CONFIG_INVALID`,
 * `ERR_PLUGIN_SETTINGS_INVALID`, `ERR_INVALID_ARGUMENT` of a request or a subscription) carry
 * them as `details.problems: ValidationProblem[]`.
 */
export interface ValidationProblem {
  path: string;
  message: string;
}

/** The problems as message lines: `/tasks/1/id: must be a string`. */
export function problemLines(problems: readonly ValidationProblem[]): string[] {
  return problems.map((p) => `${p.path}: ${p.message}`);
}

const BRAND = Symbol.for('gofer.error');

export interface GoferErrorOptions {
  /** The underlying error, kept for logs and debugging. */
  cause?: unknown;
  /** Structured facts about the failure (the package, the JSON path, ...), safe to show users. */
  details?: Record<string, unknown>;
}

/**
 * The base of every error Gofer raises on purpose. Check with {@link isGoferError}, not
 * `instanceof`: a plugin may load its own copy of this module.
 */
export class GoferError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: GoferErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GoferError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /** A plain object for logs and HTTP responses. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * One error that carries several: used where Gofer reports every failure at once (start-up
 * with several broken plugins, a pipeline config with several problems).
 */
export class GoferAggregateError extends GoferError {
  readonly errors: readonly GoferError[];

  constructor(code: ErrorCode, headline: string, errors: readonly GoferError[], options: GoferErrorOptions = {}) {
    const lines = errors.map((e) => `  - [${e.code}] ${e.message.replace(/\n/g, '\n    ')}`);
    super(code, `${headline}\n${lines.join('\n')}`, options);
    this.name = 'GoferAggregateError';
    this.errors = errors;
  }
}

/** True when `err` is a Gofer error, optionally with the given code. Works across module copies. */
export function isGoferError(err: unknown, code?: ErrorCode): err is GoferError {
  if (typeof err !== 'object' || err === null || !(BRAND in err)) return false;
  return code === undefined || (err as GoferError).code === code;
}
