/**
 * The config file's schema and the types derived from it: one source for what
 * `gofer.config.json` may contain (validated with ajv, defaults applied), what `createGofer`'s
 * `config` option takes, and the resolved config every part of Gofer reads.
 */
import { Type, type Static } from 'typebox';
import { REMOVE_AFTER_EXIT_SCHEMA } from './pipeline.js';

/** The HTTP API's `server` block. */
const SERVER_SCHEMA = Type.Object(
  {
    /** Address the API listens on. */
    host: Type.Optional(Type.String({ minLength: 1, default: '127.0.0.1' })),
    /** Port; 0 picks a free one. */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, default: 8080 })),
    /** Folder of the built web UI served at `/`; default: the installed `@gofer/ui` package's `dist/`. */
    uiDir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, default: {} },
);

/** JSON Schema of `gofer.config.json`, with the default every key takes. */
export const CONFIG_SCHEMA = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    /** Folder whose node_modules is scanned for plugins; default: the config file's folder or cwd. */
    root: Type.Optional(Type.String({ minLength: 1 })),
    /** Where SQLite, task logs and plugin data live; `:memory:` keeps everything in memory. */
    dataDir: Type.Optional(Type.String({ minLength: 1, default: '.gofer' })),
    /** The scheduler plugin's name; default "process". */
    scheduler: Type.Optional(Type.String({ minLength: 1, default: 'process' })),
    /** Settings per scheduler plugin name; naming one makes it configured (it must load). */
    schedulers: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { default: {} })),
    /** Settings per extension name; `false` disables a discovered extension. */
    extensions: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Literal(false)]), {
        default: {},
      }),
    ),
    /** npm packages that must load (discovery source 2). */
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
    /** Folders holding plugin packages (discovery source 4). */
    pluginDirs: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { default: [] })),
    /** Scan `<root>/node_modules` for packages with a `gofer` manifest (source 3); default true. */
    discover: Type.Optional(Type.Boolean({ default: true })),
    /** Time limit for each plugin's `create` and `close`; default 10000. */
    pluginTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 10_000 })),
    /** Runs running at once over all pipelines; 0 = unlimited (default). */
    parallelism: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    /** Default grace period before a stopped container is killed; default 10000. */
    stopTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, default: 10_000 })),
    /** Remove orphan containers of this instance at start-up; default true. */
    reapOrphans: Type.Optional(Type.Boolean({ default: true })),
    /** When the core removes a finished task's container (a task's own setting wins); default "always". */
    removeAfterExit: Type.Optional(Type.Enum(REMOVE_AFTER_EXIT_SCHEMA.enum, { default: 'always' })),
    /** Secret store key: 32 bytes as 64 hex chars or base64; `GOFER_SECRET_KEY`. */
    secretKey: Type.Optional(Type.String({ default: '' })),
    /**
     * Keep task logs (and run objects) of this many most recent ended runs per pipeline; older
     * ended runs lose them when a run ends and at start-up; default 20.
     */
    logRetentionRuns: Type.Optional(Type.Integer({ minimum: 1, default: 20 })),
    /**
     * Task output stops being written when the log disk has less than this many MiB free (the
     * task then fails with `log_write_failed`), so the database beside the logs can still commit;
     * 0 writes until the disk is full; default 64.
     */
    logDiskReserveMb: Type.Optional(Type.Integer({ minimum: 0, default: 64 })),
    /** Events older than this many days are deleted (at start-up and as runs end); 0 keeps them whatever their age; default 30. */
    eventRetentionDays: Type.Optional(Type.Number({ minimum: 0, default: 30 })),
    /** At most this many most recent events are kept; 0 = no count limit; default 100000. */
    eventRetentionCount: Type.Optional(Type.Integer({ minimum: 0, default: 100_000 })),
    /**
     * Check at start-up, before any run resumes, that the scheduler can work (the Docker engine
     * answers a ping); a failure stops start-up. `false` (`--no-scheduler-check`,
     * `GOFER_CHECK_SCHEDULER=0`) starts anyway; default true.
     */
    checkScheduler: Type.Optional(Type.Boolean({ default: true })),
    /** Pipeline objects kept per pipeline (oldest evicted); default 50. */
    pipelineObjectLimit: Type.Optional(Type.Integer({ minimum: 1, default: 50 })),
    /** Run objects expire after this many newer runs; default 20. */
    runObjectExpiry: Type.Optional(Type.Integer({ minimum: 1, default: 20 })),
    /** HTTP API. */
    server: Type.Optional(SERVER_SCHEMA),
    logLevel: Type.Optional(Type.Enum(['debug', 'info', 'warn', 'error', 'silent'], { default: 'info' })),
  },
  { additionalProperties: false },
);

/** What `gofer.config.json` (and `createGofer`'s `config` option) may hold: every key optional. */
export type GoferConfigFile = Static<typeof CONFIG_SCHEMA>;

type ServerConfigFile = NonNullable<GoferConfigFile['server']>;

/**
 * The config once resolved (see docs/configuration.md): every key with a default is present,
 * `root` and `dataDir` are absolute (or `:memory:`), `$schema` is dropped.
 */
export type GoferConfigInput = Required<Omit<GoferConfigFile, '$schema' | 'server'>> & {
  server: Required<Omit<ServerConfigFile, 'uiDir'>> & Pick<ServerConfigFile, 'uiDir'>;
};

/** The resolved, frozen config. */
export type GoferConfig = Readonly<GoferConfigInput>;
