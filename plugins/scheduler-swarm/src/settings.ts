/**
 * The swarm scheduler's settings: a JSON Schema (validated with ajv, defaults applied) and the
 * resolved, frozen type the scheduler works with.
 */
import { resolvePluginSettings } from '@gofer/core/api';

/** CPU and memory for one task: `cpus` may be fractional (0.5 = half a core). */
export interface ResourceSettings {
  cpus?: number;
  memoryMb?: number;
}

/** The swarm scheduler's settings once validated, with every default filled in. */
export interface SwarmSettings {
  /** Unix socket of a swarm manager's engine. Wins over `host`. */
  socketPath?: string;
  /** A manager's engine address: `tcp://manager:2376`, `ssh://user@manager`. Default: DOCKER_HOST, else the local socket. */
  host?: string;
  /** Directory holding `ca.pem`, `cert.pem`, `key.pem` for a TLS `tcp://` host. Default: DOCKER_CERT_PATH. */
  certPath?: string;
  /**
   * When a finished task's service is removed: once the core has read both its final state and
   * its logs to the end (`always`, or `on-success` for exit code 0 only), or `never` (left for
   * `removeContainer`). The final state stays answerable afterwards.
   */
  removeAfterExit: 'never' | 'on-success' | 'always';
  /** Prefix of every service name Gofer creates. */
  serviceNamePrefix: string;
  /** Placement constraints for every task, in Docker's syntax (`node.role==worker`, `node.labels.zone==a`). */
  constraints: string[];
  /** Networks (names or ids, usually overlays) every task is attached to. */
  networks: string[];
  /** Hard limits per task. */
  limits: ResourceSettings;
  /** What the scheduler reserves on a node per task (used for placement). */
  reservations: ResourceSettings;
  /** Time between the stop signal and the kill, fixed on the service when it is created. */
  stopGracePeriodMs: number;
  /**
   * `auto`: a task on the node this client talks to is stopped by signalling its container
   * (TERM, then KILL after the stop timeout), keeping its exit code and logs; a task elsewhere
   * through the swarm. `swarm`: always through the swarm (scale to zero, StopGracePeriod).
   */
  stopVia: 'auto' | 'swarm';
  /**
   * `auto`: the output of a task on the node this client talks to is read from its container
   * (4-5x faster than swarm's log broker); other tasks' through the swarm's service logs.
   * `swarm`: always service logs.
   */
  logsVia: 'auto' | 'swarm';
  /** `registry`: pin the image to its registry digest before creating the service; `never`: pass it as given. */
  resolveImage: 'registry' | 'never';
  /** `env`: an entrypoint wrapper exports each secret as its env var; `file`: only `<ENV>_FILE=/run/secrets/<name>` is set. */
  secretDelivery: 'env' | 'file';
  /** The shell the `env` secret wrapper runs with; it must exist in the image. */
  shell: string;
  /**
   * Credentials per registry host (`"registry.example.com": { username, password }`), used when a
   * task gives no `registryAuth`; passed to the swarm so that every node can pull.
   */
  registryCredentials: Record<string, { username: string; password: string }>;
  /** How long `startContainer` waits for a node to take the task (a placed task still pulling counts as running). */
  startTimeoutMs: number;
  /** How often task state is polled while waiting (start, stop, following logs). */
  pollIntervalMs: number;
}

const resources = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cpus: { type: 'number', exclusiveMinimum: 0 },
    memoryMb: { type: 'integer', minimum: 4 },
  },
  default: {},
} as const;

/** JSON Schema of the settings (`schedulers.swarm` in gofer.config.json). */
export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    socketPath: { type: 'string', minLength: 1 },
    host: { type: 'string', pattern: '^(tcp|http|https|ssh|unix)://' },
    certPath: { type: 'string', minLength: 1 },
    removeAfterExit: { enum: ['never', 'on-success', 'always'], default: 'always' },
    serviceNamePrefix: { type: 'string', pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]{0,19}$', default: 'gofer-' },
    constraints: { type: 'array', items: { type: 'string', minLength: 3 }, default: [] },
    networks: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    limits: resources,
    reservations: resources,
    stopGracePeriodMs: { type: 'integer', minimum: 0, default: 10_000 },
    stopVia: { enum: ['auto', 'swarm'], default: 'auto' },
    logsVia: { enum: ['auto', 'swarm'], default: 'auto' },
    resolveImage: { enum: ['registry', 'never'], default: 'registry' },
    secretDelivery: { enum: ['env', 'file'], default: 'env' },
    shell: { type: 'string', pattern: '^/', default: '/bin/sh' },
    registryCredentials: {
      type: 'object',
      additionalProperties: {
        type: 'object', additionalProperties: false, required: ['username', 'password'],
        properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string' } },
      },
      default: {},
    },
    startTimeoutMs: { type: 'integer', minimum: 1000, default: 120_000 },
    pollIntervalMs: { type: 'integer', minimum: 20, maximum: 10_000, default: 250 },
  },
} as const;

/**
 * Validates settings and fills in defaults, with the core's own rules. The core validates them
 * too before `create`; doing it here as well keeps direct users (tests, host apps) on the same rules.
 */
export function resolveSettings(input: unknown = {}): Readonly<SwarmSettings> {
  return Object.freeze(resolvePluginSettings<SwarmSettings>(settingsSchema, input, {
    subject: 'the swarm scheduler',
    configKey: '/settings',
    fix: 'correct the swarm scheduler settings ("schedulers": { "swarm": {...} } in gofer.config.json)',
    details: { plugin: 'scheduler/swarm' },
  }));
}
