/**
 * Schemas of what the API sends and receives (TypeBox): the OpenAPI document's components, and
 * the types route handlers must answer with. Each describes a type of the core's api/; a
 * handler that returns the core's value for a response with one of these schemas is checked
 * by the compiler, so the two stay in step.
 */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { ERROR_CODES, PIPELINE_SCHEMA } from '../api/index.js';

const str = Type.String();
const int = Type.Integer();
const stringMap = Type.Record(Type.String(), Type.String());
const anyObject = Type.Record(Type.String(), Type.Unknown());
const reason = Type.Object({ reason: Type.String(), description: Type.String() });

/** A pipeline, run or namespace id in a path. */
export const ID_PARAM = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' });
export const RUN_ID_PARAM = Type.Integer({ minimum: 1 });
/**
 * A task execution id in a path: a task id, or a matrix combination's (`test[NODE=18,OS=alpine]`:
 * the task id, then each axis and value as the task plan writes them; the values as
 * MATRIX_VALUE_PATTERN allows). Clients URL-encode the brackets, `=` and `,`.
 */
export const TASK_ID_PARAM = Type.String({
  pattern: '^[a-zA-Z0-9_-]{1,64}(\\[[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9._:/+@-]{1,64}(,[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9._:/+@-]{1,64})*\\])?$',
});
export const KEY_PARAM = Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,128}$' });
export const NAMESPACE_ID = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,64}$' });

/** A `$ref` to a component, typed as the component it names. */
function refTo<S extends TSchema>(name: string, _schema: S): TUnsafe<Static<S>> {
  return Type.Unsafe<Static<S>>({ $ref: `#/components/schemas/${name}` });
}

const ValidationProblem = Type.Object(
  { path: Type.String({ description: 'JSON pointer of the value, under the request part: body/config/tasks/0/id, path/runId, query/limit.' }), message: str },
  { description: 'One problem found by validation.' },
);

const ApiToken = Type.Object({
  tokenId: str,
  kind: Type.Enum(['management', 'client']),
  namespaces: Type.Array(str),
  description: str,
  created: int,
  expires: Type.Optional(int),
});

const TASK_STATE = Type.Enum(['processing', 'waiting', 'running', 'waiting_approval', 'complete', 'retrying']);
const TASK_REASON = Type.Object({
  reason: Type.Enum([
    'abnormal_exit',
    'scheduler_error',
    'failed_precondition',
    'cancelled',
    'orphaned',
    'timeout',
    'log_write_failed',
    'approval_rejected',
    'condition_false',
    'outputs_invalid',
  ]),
  description: str,
});

/** One attempt of a task (issue 15: retries). */
const TaskAttempt = Type.Object({
  pipelineId: str,
  runId: int,
  taskId: str,
  attempt: int,
  state: TASK_STATE,
  status: Type.Enum(['unknown', 'successful', 'failed', 'cancelled', 'skipped']),
  statusReason: Type.Optional(TASK_REASON),
  exitCode: Type.Optional(int),
  schedulerId: Type.Optional(str),
  started: Type.Optional(int),
  ended: Type.Optional(int),
  retryAt: Type.Optional(Type.Integer({ description: 'When the attempt after this one was (or is) due.' })),
});

/** Who decided an approval gate. */
const Approver = Type.Object({
  kind: Type.Enum(['management', 'client', 'run', 'host']),
  name: str,
  tokenId: Type.Optional(str),
  namespaces: Type.Optional(Type.Array(str)),
});

const TaskExecution = Type.Object({
  pipelineId: str,
  runId: int,
  taskId: str,
  kind: Type.Optional(Type.Literal('approval', { description: 'Set for an approval gate (no container; `image` is empty).' })),
  image: str,
  state: TASK_STATE,
  status: Type.Enum(['unknown', 'successful', 'failed', 'cancelled', 'skipped']),
  statusReason: Type.Optional(TASK_REASON),
  exitCode: Type.Optional(int),
  schedulerId: Type.Optional(str),
  variables: Type.Array(
    Type.Object({
      key: str,
      value: Type.String({ description: 'Secret values (substituted secrets, the API token, scheduler secrets) are "********".' }),
      source: Type.Enum(['pipeline_config', 'matrix', 'run_options', 'system', 'scheduler_secret']),
      valueFrom: Type.Optional(
        Type.Array(Type.Object({ store: Type.Enum(['pipeline_secret', 'global_secret', 'pipeline_object', 'run_object', 'task_output']), key: str }), {
          description: 'The stores substitutions filled the value from, in order.',
        }),
      ),
      location: Type.Optional(Type.String({ description: 'scheduler_secret only: where the scheduler reads the value.' })),
    }),
  ),
  approval: Type.Optional(
    Type.Object(
      {
        message: str,
        requested: int,
        deadline: Type.Optional(int),
        decision: Type.Optional(
          Type.Object({
            decision: Type.Enum(['approved', 'rejected', 'timed_out']),
            by: Type.Optional(Approver),
            comment: Type.Optional(str),
            at: int,
          }),
        ),
      },
      { description: 'Approval gates, once waiting: the request and the decision.' },
    ),
  ),
  created: int,
  started: Type.Optional(int),
  ended: Type.Optional(int),
  attempt: Type.Integer({ description: 'The current (or last) attempt, from 1: the fields above are its.' }),
  retryAt: Type.Optional(Type.Integer({ description: 'While retrying: when the next attempt starts.' })),
  cancelRequested: Type.Optional(Type.Boolean()),
  carriedFrom: Type.Optional(
    Type.Object({ runId: int }, { description: "Set on a task a rerun carried over: the run that ran it (its logs are that run's)." }),
  ),
  outputs: Type.Optional(
    Type.Array(Type.Object({ key: str, value: Type.String({ description: 'Secret outputs are "********".' }), secret: Type.Optional(Type.Boolean()) }), {
      description: 'What the task wrote to $GOFER_OUTPUT, once it ended.',
    }),
  ),
  matrix: Type.Optional(
    Type.Object({ taskId: str, values: stringMap }, { description: 'One combination of a matrix task: the task id in the config and the combination values.' }),
  ),
  allowFailure: Type.Optional(Type.Boolean({ description: 'The task may fail without failing the run.' })),
});

const Event = Type.Object({ id: int, type: str, at: int, payload: anyObject });

export const COMPONENT_SCHEMAS = {
  Error: Type.Object({
    error: Type.Object({
      code: Type.Enum(Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>),
      message: str,
      details: Type.Object(
        { problems: Type.Optional(Type.Array(refTo('ValidationProblem', ValidationProblem), { description: 'Every problem at once (400s).' })) },
        { additionalProperties: true },
      ),
    }),
  }),
  ValidationProblem,
  Health: Type.Object({ status: Type.Enum(['ok']), version: Type.String({ description: "The core's package version." }) }),
  PipelineConfig: PIPELINE_SCHEMA,
  PipelineInfo: Type.Object({
    pipelineId: str,
    namespace: str,
    name: str,
    description: str,
    state: Type.Enum(['active', 'disabled']),
    liveVersion: int,
    latestVersion: int,
    created: int,
    modified: int,
  }),
  PipelineVersion: Type.Object({
    pipelineId: str,
    version: int,
    config: refTo('PipelineConfig', PIPELINE_SCHEMA),
    created: int,
    deployed: Type.Boolean(),
  }),
  Run: Type.Object({
    pipelineId: str,
    runId: int,
    version: int,
    state: Type.Enum(['pending', 'running', 'complete']),
    status: Type.Enum(['unknown', 'successful', 'failed', 'cancelled']),
    statusReason: Type.Optional(reason),
    initiator: Type.Object({
      kind: Type.Enum(['user', 'extension', 'api']),
      name: str,
      subscriptionId: Type.Optional(str),
      reason: Type.Optional(str),
      rerunOf: Type.Optional(
        Type.Object(
          { runId: int, mode: Type.Enum(['all', 'failed', 'task']), taskId: Type.Optional(str), withDependents: Type.Optional(Type.Boolean()) },
          { description: 'Set on a rerun: the run it reruns and how.' },
        ),
      ),
    }),
    variables: stringMap,
    started: int,
    ended: Type.Optional(int),
    timeoutMs: Type.Optional(int),
    deadline: Type.Optional(Type.Integer({ description: 'When the run is cancelled with reason timeout (set once it runs).' })),
    concurrencyGroup: Type.Optional(Type.String({ description: "The run's resolved concurrency group." })),
    waiting: Type.Optional(
      Type.Object(
        { reason: Type.Enum(['concurrency_group']), description: str },
        { description: 'Set while the run is pending behind a full concurrency group.' },
      ),
    ),
  }),
  TaskExecution,
  TaskAttempt,
  Keys: Type.Object({ keys: Type.Array(str) }),
  ReapResult: Type.Object({
    removed: Type.Array(Type.Object({ schedulerId: str, labels: stringMap })),
    kept: int,
    supported: Type.Boolean(),
  }),
  ApiToken,
  NewApiToken: Type.Object({
    token: refTo('ApiToken', ApiToken),
    secret: Type.String({ description: 'Shown once: keep it; only its hash is stored.' }),
  }),
  Namespace: Type.Object({ namespaceId: str, description: str, created: int }),
  PluginInfo: Type.Object({
    kind: Type.Enum(['scheduler', 'extension']),
    name: str,
    packageName: str,
    packageDir: Type.Optional(str),
    version: Type.Optional(str),
    source: Type.Enum(['host', 'config', 'scan', 'dir']),
    status: Type.Enum(['active', 'loaded', 'failed']),
    error: Type.Optional(Type.Object({ code: str, message: str })),
    command: Type.Optional(Type.Array(str)),
  }),
  Event,
  Subscription: Type.Object({
    subscriptionId: str,
    pipelineId: str,
    extension: str,
    label: str,
    settings: stringMap,
    status: Type.Enum(['active', 'error']),
    statusReason: Type.Optional(str),
    enabled: Type.Boolean({ description: 'False while the subscription is paused: the runs its extension asks for are refused (ERR_TRIGGER_PAUSED).' }),
    created: int,
    modified: int,
  }),
  ExtensionInfo: Type.Object({
    name: str,
    packageName: str,
    status: Type.Enum(['active', 'loaded', 'failed']),
    error: Type.Optional(Type.Object({ code: str, message: str })),
    command: Type.Optional(Type.Array(str)),
    process: Type.Optional(
      Type.Object({
        state: Type.Enum(['starting', 'running', 'restarting', 'stopped']),
        pid: Type.Optional(int),
        restarts: int,
        lastExitCode: Type.Optional(Type.Union([int, Type.Null()])),
      }),
    ),
    subscriptions: Type.Object({ active: int, error: int, disabled: int }),
    subscriptionSchema: Type.Optional(anyObject),
    listener: Type.Optional(Type.Boolean({ description: 'A listener takes no subscriptions.' })),
  }),
  // Server-Sent Events: each message as a client reads it (`event:` name, `id:`, `data:` parsed as JSON).
  LogMessage: Type.Object(
    { event: Type.Literal('log'), data: Type.Object({ text: Type.String({ description: 'Output, secrets masked; UTF-8, may end mid-line.' }) }) },
    { description: 'SSE `event: log`: a piece of the task output.' },
  ),
  EndMessage: Type.Object(
    { event: Type.Literal('end'), data: refTo('TaskExecution', TaskExecution) },
    { description: 'SSE `event: end`: the task completed; data is the final task execution. The stream then closes.' },
  ),
  EventMessage: Type.Object(
    { event: Type.Literal('event'), id: Type.Integer({ description: 'The event id: send it back as Last-Event-ID to resume.' }), data: refTo('Event', Event) },
    { description: 'SSE `event: event`: one stored or live event.' },
  ),
  StreamError: Type.Object(
    { event: Type.Literal('error'), data: Type.Object({ message: str }) },
    { description: 'SSE `event: error`: the stream failed after it opened; it then closes.' },
  ),
};

type Components = typeof COMPONENT_SCHEMAS;

/** `$ref` to a component, typed as that component. */
export function ref<N extends keyof Components>(name: N): TUnsafe<Static<Components[N]>> {
  return refTo(name, COMPONENT_SCHEMAS[name]);
}

/** `{ items: [...] }` list envelope: room to add paging fields later without breaking clients. */
export function listOf<N extends keyof Components>(name: N) {
  return Type.Object({ items: Type.Array(ref(name)) });
}

/**
 * `{ items: [...], next? }`: a page of a cursor-paged list. `next` is there when the page is full:
 * pass it back as the route's cursor parameter (`before` or `after`) for the following page
 * (which may be empty). A page without `next` is the last one.
 */
export function pageOf<N extends keyof Components, C extends TSchema>(name: N, cursor: C) {
  return Type.Object({ items: Type.Array(ref(name)), next: Type.Optional(cursor) });
}

/** The `limit` query parameter of a paged list. */
export function limitParam(limits: { default: number; max: number }) {
  return Type.Integer({ minimum: 1, maximum: limits.max, description: `At most this many items (default ${limits.default}, at most ${limits.max}).` });
}

/** Request bodies. */
export const VARIABLES_BODY = stringMap;
