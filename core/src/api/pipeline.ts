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
  /** The parent finished in any way: successful, failed, skipped, or cancelled on its own (`tasks.cancel`). */
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

/**
 * The reasons an attempt may end with that are worth another attempt (`retries.on`): the
 * scheduler could not start the container, it exited non-zero, it ran over the task's
 * `timeoutMs`, or its container vanished (orphaned).
 */
export const RETRY_REASON_SCHEMA = Type.Enum(['scheduler_error', 'abnormal_exit', 'timeout', 'orphaned']);

/** `'scheduler_error' | 'abnormal_exit' | 'timeout' | 'orphaned'`: see {@link RETRY_REASON_SCHEMA}. */
export type RetryReason = Static<typeof RETRY_REASON_SCHEMA>;

/**
 * Automatic retries of a task: up to `limit` more attempts after the first, the n-th retry
 * waiting `backoffMs * factor^(n-1)` ms, and only when the attempt ended with one of `on`.
 */
export const RETRIES_SCHEMA = Type.Object(
  {
    /** How many attempts after the first, at most (0: none). */
    limit: Type.Integer({ minimum: 0, maximum: 100 }),
    /** The wait before the first retry, in ms (default 0). */
    backoffMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Each further wait is the previous one times this (default 2). */
    factor: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
    /** The reasons worth retrying (default all four). */
    on: Type.Optional(Type.Array(RETRY_REASON_SCHEMA, { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false },
);

/** A task's `retries`: see {@link RETRIES_SCHEMA}. */
export type RetryPolicy = Static<typeof RETRIES_SCHEMA>;

/** Pipeline and task ids: 3-32 of `[a-zA-Z0-9_-]`. */
export const ID_PATTERN = '^[a-zA-Z0-9_-]{3,32}$';

/** Environment variable names as POSIX shells accept them, mapped to strings. */
const envMap = (value: TString) =>
  Type.Unsafe<Record<string, string>>({ type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, additionalProperties: value });

/** Keys of a `matrix` that are not axes. */
export const MATRIX_OPTION_KEYS = ['include', 'exclude', 'maxParallel', 'failFast'] as const;

/** The most combinations one matrix may expand to (after `include` and `exclude`). */
export const MATRIX_MAX_COMBINATIONS = 256;

/** Matrix axis values: short, and safe inside a task execution id (`test[NODE=18,OS=alpine]`). */
export const MATRIX_VALUE_PATTERN = '^[A-Za-z0-9._:/+@-]{1,64}$';

/**
 * A task's `matrix`: every other key is an axis (`NODE: ['18', '20']`, an environment variable
 * name mapped to its values); the task runs once per combination of one value of each axis,
 * each combination seeing its values as variables. `exclude` drops the combinations matching
 * every key of an entry; `include` adds combinations (each a full `AXIS: value` map; one that
 * already exists is not added twice). `maxParallel`: at most this many combinations run at
 * once (default: all). `failFast` (default true): once a combination fails, the ones not yet
 * started are cancelled and running ones are stopped.
 */
export interface MatrixConfig {
  include?: Array<Record<string, string>>;
  exclude?: Array<Record<string, string>>;
  maxParallel?: number;
  failFast?: boolean;
  [axis: string]: string[] | Array<Record<string, string>> | number | boolean | undefined;
}

const matrixValue = { type: 'string', pattern: MATRIX_VALUE_PATTERN };
const matrixEntry = {
  type: 'object',
  minProperties: 1,
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: matrixValue,
};

/** Schema of {@link MatrixConfig}. */
export const MATRIX_SCHEMA = Type.Unsafe<MatrixConfig>({
  type: 'object',
  properties: {
    include: { type: 'array', items: matrixEntry, maxItems: MATRIX_MAX_COMBINATIONS },
    exclude: { type: 'array', items: matrixEntry, maxItems: MATRIX_MAX_COMBINATIONS },
    maxParallel: { type: 'integer', minimum: 1 },
    failFast: { type: 'boolean' },
  },
  propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  additionalProperties: { type: 'array', minItems: 1, maxItems: MATRIX_MAX_COMBINATIONS, uniqueItems: true, items: matrixValue },
});

/**
 * A task's `when`: an expression (CEL, the Common Expression Language) over the task's
 * variables (by name: runtime and pipeline variables as the task would get them, before
 * substitution) and its ancestors' `tasks.<id>.status` and `tasks.<id>.outputs.<KEY>`. False:
 * the task is `skipped` with reason `condition_false`.
 */
export const WHEN_SCHEMA = Type.String({ minLength: 1, maxLength: 2000 });

/** Schema of one task in a pipeline config. */
export const TASK_SCHEMA = Type.Object(
  {
    /** Unique within the pipeline: 3-32 of `[a-zA-Z0-9_-]`. */
    id: Type.String({ pattern: ID_PATTERN }),
    /** `container` (the default): a container image plus a command. See {@link APPROVAL_TASK_SCHEMA} for `approval`. */
    kind: Type.Optional(Type.Literal('container')),
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
    /** Automatic retries: each attempt has its own container, log, exit code and times. */
    retries: Type.Optional(RETRIES_SCHEMA),
    /** Run once per combination of values: see {@link MatrixConfig}. */
    matrix: Type.Optional(MATRIX_SCHEMA),
    /** Run only when this expression is true: see {@link WHEN_SCHEMA}. */
    when: Type.Optional(WHEN_SCHEMA),
    /** The task may fail without failing the run (which then ends `successful` with a note); dependents still see it `failed`. */
    allowFailure: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * Who may decide an approval task. A caller is allowed when its kind is in `kinds`, or when it is
 * a client token with one of `namespaces`. Left out: anyone who may act on the pipeline.
 */
export const APPROVERS_SCHEMA = Type.Object(
  {
    /** Client tokens holding one of these namespaces. */
    namespaces: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** `management` tokens, `client` tokens (any namespace), `run` tokens (a task's GOFER_API_TOKEN), or `host` (the embedding application's typed API calls). */
    kinds: Type.Optional(Type.Array(Type.Enum(['management', 'client', 'run', 'host']))),
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

/** See {@link APPROVERS_SCHEMA}. */
export type ApproversConfig = Static<typeof APPROVERS_SCHEMA>;

/**
 * Schema of an approval gate: a task that runs no container. The run waits there (task state
 * `waiting_approval`) until someone allowed approves (the task succeeds) or rejects it (it fails
 * with reason `approval_rejected`), or `timeoutMs` passes (it fails with reason `timeout`).
 */
export const APPROVAL_TASK_SCHEMA = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN }),
    kind: Type.Literal('approval'),
    /** What the approver is asked ("Deploy build 42 to production?"). */
    message: Type.String({ minLength: 1, maxLength: 2000 }),
    description: Type.Optional(Type.String()),
    dependsOn: Type.Optional(
      Type.Unsafe<Record<string, `${RequiredParentStatus}`>>({ type: 'object', additionalProperties: { enum: ['any', 'success', 'failure'] } }),
    ),
    approvers: Type.Optional(APPROVERS_SCHEMA),
    /** Ask only when this expression is true: see {@link WHEN_SCHEMA}. */
    when: Type.Optional(WHEN_SCHEMA),
    /** Fail the task with reason `timeout` when no decision came this long after it started waiting. 0 or absent: wait forever. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

/** An approval gate: see {@link APPROVAL_TASK_SCHEMA}. */
export type ApprovalTaskConfig = Static<typeof APPROVAL_TASK_SCHEMA>;

/** Any task of a pipeline: a container task, or an approval gate (`kind: 'approval'`). */
export type AnyTaskConfig = TaskConfig | ApprovalTaskConfig;

/** True for an approval gate. */
export function isApprovalTask(task: AnyTaskConfig): task is ApprovalTaskConfig {
  return task.kind === 'approval';
}

/**
 * One entry of a pipeline's `tasks`: the approval schema when `kind` is `approval`, else the
 * container task schema (so each problem is reported against the schema the author meant).
 */
const ANY_TASK_SCHEMA = Type.Unsafe<AnyTaskConfig>({
  if: { type: 'object', properties: { kind: { const: 'approval' } }, required: ['kind'] },
  then: APPROVAL_TASK_SCHEMA,
  else: TASK_SCHEMA,
});

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
    /** Cancel a run (reason `timeout`) that runs longer, counted from its start; 0 or absent: no limit. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The concurrency group its runs belong to (see {@link CONCURRENCY_SCHEMA}). */
    concurrency: Type.Optional(CONCURRENCY_SCHEMA),
    /**
     * Give every task of a run the same directory, `/workspace` (`$GOFER_WORKSPACE`), made
     * when the run's first task starts and removed with the run's containers when it ends.
     */
    workspace: Type.Optional(Type.Boolean()),
    tasks: Type.Array(ANY_TASK_SCHEMA, { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** One container task: a container image plus a command. */
export type TaskConfig = Static<typeof TASK_SCHEMA>;

/** A pipeline: a set of tasks run as a DAG. */
export type PipelineConfig = Static<typeof PIPELINE_SCHEMA>;
