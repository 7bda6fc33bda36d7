/**
 * The Docker scheduler's settings: a JSON Schema the core validates (with defaults) before
 * `create`, and the matching TypeScript type.
 */
import { SECRET_SOURCE_SCHEMA, type JsonSchema, type SecretSourceSettings } from '@gofer/core/api';

export type { SecretSourceSettings };

/** When the scheduler removes a finished container on its own. */
export type RemoveAfterExitPolicy = 'never' | 'on-success' | 'always';

/** When the scheduler pulls an image. A task's `alwaysPull` upgrades this to `always`. */
export type PullPolicy = 'if-missing' | 'always' | 'never';

/** Settings of the `docker` scheduler plugin, after defaults. */
export interface DockerSchedulerSettings {
  /** Unix socket of the engine. Default: `DOCKER_HOST`, else `/var/run/docker.sock`. */
  socketPath?: string;
  /** TCP host of the engine (instead of a socket), with `port` and `protocol`. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Docker network mode for task containers (`bridge`, `none`, `host`, a network name). */
  networkMode: string;
  /**
   * Remove a finished container once the core has seen both its final state and its logs
   * to the end: `never`, `on-success` (exit code 0 only) or `always`.
   */
  removeAfterExit: RemoveAfterExitPolicy;
  pullPolicy: PullPolicy;
  /** Used when a stop request carries no usable timeout; also the container's StopTimeout. */
  stopTimeoutMs: number;
  secrets?: SecretSourceSettings;
  /**
   * Attach output kept in memory per container while no reader has arrived yet, so that a
   * reader coming shortly after start still gets everything from the first byte. Past this,
   * the attach is dropped and readers are served from the engine's log endpoint.
   */
  liveLogBufferBytes: number;
}

/** The defaults applied when a key is absent. */
export const DEFAULT_SETTINGS = Object.freeze({
  networkMode: 'bridge',
  removeAfterExit: 'always',
  pullPolicy: 'if-missing',
  stopTimeoutMs: 10_000,
  liveLogBufferBytes: 16 * 1024 * 1024,
} satisfies Partial<DockerSchedulerSettings>);

/** JSON Schema of {@link DockerSchedulerSettings}; the core validates with ajv (allErrors, defaults). */
export const settingsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    socketPath: { type: 'string', minLength: 1, description: 'Unix socket of the Docker engine.' },
    host: { type: 'string', minLength: 1, description: 'TCP host of the Docker engine.' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    protocol: { enum: ['http', 'https'] },
    networkMode: { type: 'string', minLength: 1, default: DEFAULT_SETTINGS.networkMode },
    removeAfterExit: { enum: ['never', 'on-success', 'always'], default: DEFAULT_SETTINGS.removeAfterExit },
    pullPolicy: { enum: ['if-missing', 'always', 'never'], default: DEFAULT_SETTINGS.pullPolicy },
    stopTimeoutMs: { type: 'integer', minimum: 0, default: DEFAULT_SETTINGS.stopTimeoutMs },
    secrets: SECRET_SOURCE_SCHEMA,
    liveLogBufferBytes: { type: 'integer', minimum: 0, default: DEFAULT_SETTINGS.liveLogBufferBytes },
  },
};

/** Fills absent keys with {@link DEFAULT_SETTINGS} (for callers that bypass the core's ajv). */
export function withDefaults(settings: Partial<DockerSchedulerSettings> = {}): DockerSchedulerSettings {
  return { ...DEFAULT_SETTINGS, ...settings } as DockerSchedulerSettings;
}
