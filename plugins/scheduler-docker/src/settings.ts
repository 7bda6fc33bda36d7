/**
 * The Docker scheduler's settings: a TypeBox schema the core validates (with defaults) before
 * `create`, and the TypeScript type derived from it.
 */
import { SECRET_SOURCE_SCHEMA, Type, type SecretSourceSettings, type Static } from '@gofer/core/api';

export type { SecretSourceSettings };

/** Settings of the `docker` scheduler plugin, after defaults: derived from {@link settingsSchema}. */
export type DockerSchedulerSettings = Static<typeof settingsSchema>;

/** When the scheduler pulls an image. A task's `alwaysPull` upgrades this to `always`. */
export type PullPolicy = DockerSchedulerSettings['pullPolicy'];

/** The defaults applied when a key is absent. */
export const DEFAULT_SETTINGS = Object.freeze({
  networkMode: 'bridge',
  pullPolicy: 'if-missing',
  stopTimeoutMs: 10_000,
  liveLogBufferBytes: 16 * 1024 * 1024,
} as const);

/** Schema of the settings (`schedulers.docker` in gofer.config.json); the core validates with ajv (allErrors, defaults). */
export const settingsSchema = Type.Object(
  {
    /** Unix socket of the engine. Default: `DOCKER_HOST`, else `/var/run/docker.sock`. */
    socketPath: Type.Optional(Type.String({ minLength: 1, description: 'Unix socket of the Docker engine.' })),
    /** TCP host of the engine (instead of a socket), with `port` and `protocol`. */
    host: Type.Optional(Type.String({ minLength: 1, description: 'TCP host of the Docker engine.' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    protocol: Type.Optional(Type.Enum(['http', 'https'])),
    /** Folder holding `ca.pem`, `cert.pem` and `key.pem` for TLS to a TCP host. Default: DOCKER_CERT_PATH. */
    certPath: Type.Optional(Type.String({ minLength: 1, description: 'Folder holding ca.pem, cert.pem and key.pem for TLS to a TCP host.' })),
    /** Docker network mode for task containers (`bridge`, `none`, `host`, a network name). */
    networkMode: Type.String({ minLength: 1, default: DEFAULT_SETTINGS.networkMode }),
    pullPolicy: Type.Enum(['if-missing', 'always', 'never'], { default: DEFAULT_SETTINGS.pullPolicy }),
    /** Used when a stop request carries no usable timeout; also the container's StopTimeout. */
    stopTimeoutMs: Type.Integer({ minimum: 0, default: DEFAULT_SETTINGS.stopTimeoutMs }),
    secrets: Type.Optional(SECRET_SOURCE_SCHEMA),
    /**
     * Attach output kept in memory per container while no reader has arrived yet, so that a
     * reader coming shortly after start still gets everything from the first byte. Past this,
     * the attach is dropped and readers are served from the engine's log endpoint.
     */
    liveLogBufferBytes: Type.Integer({ minimum: 0, default: DEFAULT_SETTINGS.liveLogBufferBytes }),
  },
  { additionalProperties: false },
);

/** Fills absent keys with {@link DEFAULT_SETTINGS} (for callers that bypass the core's ajv). */
export function withDefaults(settings: Partial<DockerSchedulerSettings> = {}): DockerSchedulerSettings {
  return { ...DEFAULT_SETTINGS, ...settings };
}
