/**
 * The pipeline config: what a pipeline author writes (directly as JSON, or through the SDK's
 * `Pipeline` and `Task` builders). One source: the schemas below validate it (with the DAG
 * checks of the pipelines module on top) and its types derive from them.
 */
import { Type, type Static, type TString } from 'typebox';

/**
 * What a task requires of a parent before it may start. A plain object and a union type, not an
 * `enum`, so that it runs under Node's type stripping: `RequiredParentStatus.Success` and
 * `'success'` are the same value.
 */
export const RequiredParentStatus = {
  /** The parent finished in any way: successful, failed or skipped. */
  Any: 'any',
  /** The parent finished successfully. */
  Success: 'success',
  /** The parent failed. */
  Failure: 'failure',
} as const;

/** `'any' | 'success' | 'failure'`. */
export type RequiredParentStatus = (typeof RequiredParentStatus)[keyof typeof RequiredParentStatus];

/**
 * When the core removes a task's container, once it has the task's final state and its whole
 * output: `always`, `on-success` (only after the task succeeded), or `never` (kept for
 * inspection; the orphan reaper still removes it at the next start unless `reapOrphans` is off).
 */
export const REMOVE_AFTER_EXIT_SCHEMA = Type.Enum(['always', 'on-success', 'never']);

/** `'always' | 'on-success' | 'never'`: see {@link REMOVE_AFTER_EXIT_SCHEMA}. */
export type RemoveAfterExit = Static<typeof REMOVE_AFTER_EXIT_SCHEMA>;

/** Pipeline and task ids: 3-32 of `[a-zA-Z0-9_-]`. */
export const ID_PATTERN = '^[a-zA-Z0-9_-]{3,32}$';

/** Environment variable names as POSIX shells accept them, mapped to strings. */
const envMap = (value: TString) =>
  Type.Unsafe<Record<string, string>>({ type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: value });

/** Schema of one task in a pipeline config. */
export const TASK_SCHEMA = Type.Object(
  {
    /** Unique within the pipeline: 3-32 of `[a-zA-Z0-9_-]`. */
    id: Type.String({ pattern: ID_PATTERN }),
    image: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    /** `parentTaskId -> what the parent must have done`. */
    dependsOn: Type.Optional(
      Type.Unsafe<Record<string, `${RequiredParentStatus}`>>({ type: 'object', additionalProperties: { enum: ['any', 'success', 'failure'] } }),
    ),
    /** Pipeline-config variables: the most important source. Values may use substitutions. */
    variables: Type.Optional(envMap(Type.String())),
    /** `ENV_NAME -> scheduler-specific location`; passed to the scheduler untouched. */
    secrets: Type.Optional(envMap(Type.String({ minLength: 1 }))),
    entrypoint: Type.Optional(Type.Array(Type.String())),
    command: Type.Optional(Type.Array(Type.String())),
    registryAuth: Type.Optional(Type.Object({ user: Type.String({ minLength: 1 }), pass: Type.String() }, { additionalProperties: false })),
    alwaysPull: Type.Optional(Type.Boolean()),
    /** Give the task a `GOFER_API_TOKEN` scoped to this pipeline, revoked when the run ends. */
    injectApiToken: Type.Optional(Type.Boolean()),
    /** Fail the task with reason `timeout` when it runs longer. 0 or absent: no limit. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Replaces the config's `removeAfterExit` for this task's container. */
    removeAfterExit: Type.Optional(REMOVE_AFTER_EXIT_SCHEMA),
  },
  { additionalProperties: false },
);

/**
 * Concurrency group of a pipeline's runs: at most `limit` runs of every pipeline sharing the
 * (resolved) group name run at once. `group` may use runtime variables as `{{NAME}}`; a run
 * started without one of them is refused (ERR_INVALID_ARGUMENT). `mode`: `queue` (wait
 * `pending`, FIFO), `cancel-in-progress` (the new run cancels the group's older runs),
 * `skip` (the new run is refused while the group is full: ERR_CONCURRENCY_GROUP_BUSY).
 */
export const CONCURRENCY_SCHEMA = Type.Object(
  {
    group: Type.String({ minLength: 1, maxLength: 200 }),
    /** Runs of the group at once; default 1. */
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Default `queue`. */
    mode: Type.Optional(Type.Enum(['queue', 'cancel-in-progress', 'skip'])),
  },
  { additionalProperties: false },
);

/** `concurrency` of a pipeline config: see {@link CONCURRENCY_SCHEMA}. */
export type ConcurrencyConfig = Static<typeof CONCURRENCY_SCHEMA>;

/** Schema of a whole pipeline config: a set of tasks run as a DAG. */
export const PIPELINE_SCHEMA = Type.Object(
  {
    /** 3-32 of `[a-zA-Z0-9_-]`. */
    id: Type.String({ pattern: ID_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String()),
    /** How many runs of this pipeline may be running at once; 0 = unlimited. */
    parallelism: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The concurrency group its runs belong to (see {@link CONCURRENCY_SCHEMA}). */
    concurrency: Type.Optional(CONCURRENCY_SCHEMA),
    tasks: Type.Array(TASK_SCHEMA, { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** One task: a container image plus a command. */
export type TaskConfig = Static<typeof TASK_SCHEMA>;

/** A pipeline: a set of tasks run as a DAG. */
export type PipelineConfig = Static<typeof PIPELINE_SCHEMA>;
