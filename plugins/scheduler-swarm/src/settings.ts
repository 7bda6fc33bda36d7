/**
 * The swarm scheduler's settings: a TypeBox schema (validated with ajv, defaults applied) and the
 * resolved, frozen type derived from it.
 */
import { resolvePluginSettings, Type, type Static } from '@gofer/core/api';

/** Schema of {@link ResourceSettings}. */
const resources = Type.Object(
  {
    cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    memoryMb: Type.Optional(Type.Integer({ minimum: 4 })),
  },
  { additionalProperties: false, default: {} },
);

/** CPU and memory for one task: `cpus` may be fractional (0.5 = half a core). */
export type ResourceSettings = Static<typeof resources>;

/** Schema of {@link PlacementRule}. */
const placementRule = Type.Object(
  {
    /** Every one of these must be among the task's labels (`{ "gofer.pipeline": "gpu-build" }`). */
    labels: Type.Record(Type.String(), Type.String(), { minProperties: 1 }),
    /** Docker placement constraints (`node.labels.gpu==true`). */
    constraints: Type.Array(Type.String({ minLength: 3 }), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Extra placement constraints for the tasks whose labels match. */
export type PlacementRule = Static<typeof placementRule>;

/** Schema of the settings (`schedulers.swarm` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** Unix socket of a swarm manager's engine. Wins over `host`. */
    socketPath: Type.Optional(Type.String({ minLength: 1 })),
    /** A manager's engine address: `tcp://manager:2376`, `ssh://user@manager`. Default: DOCKER_HOST, else the local socket. */
    host: Type.Optional(Type.String({ pattern: '^(tcp|http|https|ssh|unix)://' })),
    /** Directory holding `ca.pem`, `cert.pem`, `key.pem` for a TLS `tcp://` host. Default: DOCKER_CERT_PATH. */
    certPath: Type.Optional(Type.String({ minLength: 1 })),
    /** Prefix of every service name Gofer creates. */
    serviceNamePrefix: Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]{0,19}$', default: 'gofer-' }),
    /** Placement constraints for every task, in Docker's syntax (`node.role==worker`, `node.labels.zone==a`). */
    constraints: Type.Array(Type.String({ minLength: 3 }), { default: [] }),
    /** Networks (names or ids, usually overlays) every task is attached to. */
    networks: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Hard limits per task. */
    limits: resources,
    /** What the scheduler reserves on a node per task (used for placement). */
    reservations: resources,
    /** Time between the stop signal and the kill, fixed on the service when it is created. */
    stopGracePeriodMs: Type.Integer({ minimum: 0, default: 10_000 }),
    /**
     * `auto`: a task on the node this client talks to is stopped by signalling its container
     * (TERM, then KILL after the stop timeout), keeping its exit code and logs; a task elsewhere
     * through the swarm. `swarm`: always through the swarm (scale to zero, StopGracePeriod).
     */
    stopVia: Type.Enum(['auto', 'swarm'], { default: 'auto' }),
    /**
     * `auto`: the output of a task on the node this client talks to is read from its container
     * (4-5x faster than swarm's log broker); other tasks' through the swarm's service logs.
     * `swarm`: always service logs.
     */
    logsVia: Type.Enum(['auto', 'swarm'], { default: 'auto' }),
    /** `registry`: pin the image to its registry digest before creating the service; `never`: pass it as given. */
    resolveImage: Type.Enum(['registry', 'never'], { default: 'registry' }),
    /** `env`: an entrypoint wrapper exports each secret as its env var; `file`: only `<ENV>_FILE=/run/secrets/<name>` is set. */
    secretDelivery: Type.Enum(['env', 'file'], { default: 'env' }),
    /**
     * Task outputs: every task runs under a POSIX shell wrapper that sets `GOFER_OUTPUT` and prints
     * the file, framed, on its stdout once the task ended (read back by `readOutputs`, hidden from
     * the logs). False: no wrapper for outputs, no `GOFER_OUTPUT`, no outputs (images without a shell).
     */
    outputs: Type.Boolean({ default: true }),
    /** The POSIX shell the task wrapper (outputs, `env` secrets) runs with; it must exist in the image. */
    shell: Type.String({ pattern: '^/', default: '/bin/sh' }),
    /**
     * Credentials per registry host (`"registry.example.com": { username, password }`), used when a
     * task gives no `registryAuth`; passed to the swarm so that every node can pull.
     */
    registryCredentials: Type.Record(
      Type.String(),
      Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String() }, { additionalProperties: false }),
      { default: {} },
    ),
    /** How long `startContainer` waits for a node to take the task (a placed task still pulling counts as running). */
    startTimeoutMs: Type.Integer({ minimum: 1000, default: 120_000 }),
    /**
     * Placement per task: every rule whose `labels` all match the task's labels (the core's
     * `gofer.pipeline`, `gofer.task`, ...) adds its `constraints` to the settings' own.
     */
    placement: Type.Array(placementRule, { default: [] }),
    /**
     * Engines of swarm nodes Gofer may reach directly (`node id or hostname -> address`:
     * `unix:///path`, `tcp://host:2376` with `certPath`, `ssh://user@host`). A task on such a node
     * is stopped and read like a task on the manager: the stop honours its timeout to the
     * millisecond, and its exit code and logs stay until the core removes it.
     */
    nodeEngines: Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: '^(tcp|http|https|ssh|unix)://' }), { default: {} }),
    /**
     * How long a read (state, logs) waits for a manager that answered before and then stopped
     * answering (a restart) before it fails; below the core's 30 s limit per state call.
     */
    reconnectTimeoutMs: Type.Integer({ minimum: 0, maximum: 25_000, default: 20_000 }),
    /** How often task state is polled while waiting (start, stop, following logs). */
    pollIntervalMs: Type.Integer({ minimum: 20, maximum: 10_000, default: 250 }),
  },
  { additionalProperties: false },
);

/** The swarm scheduler's settings once validated, with every default filled in: derived from {@link settingsSchema}. */
export type SwarmSettings = Static<typeof settingsSchema>;

/**
 * Validates settings and fills in defaults, with the core's own rules. The core validates them
 * too before `create`; doing it here as well keeps direct users (tests, host apps) on the same rules.
 */
export function resolveSettings(input: unknown = {}): Readonly<SwarmSettings> {
  return Object.freeze(
    resolvePluginSettings<SwarmSettings>(settingsSchema, input, {
      subject: 'the swarm scheduler',
      configKey: '/settings',
      fix: 'correct the swarm scheduler settings ("schedulers": { "swarm": {...} } in gofer.config.json)',
      details: { plugin: 'scheduler/swarm' },
    }),
  );
}
