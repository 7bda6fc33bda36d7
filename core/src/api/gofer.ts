/**
 * The typed API a host application drives. The CLI and the HTTP API are thin clients of it.
 * Made by `createGofer(options)`.
 */
import type { Clock } from './clock.js';
import type { GoferConfig, GoferConfigFile } from './config.js';
import type { ErrorCode } from './errors.js';
import type { GoferEvent, GoferEventType } from './events.js';
import type { ExtensionDefinition } from './extension.js';
import type { PipelineConfig } from './pipeline.js';
import type { Logger, PluginKind } from './plugin.js';
import type { Approver, PipelineInfo, PipelineVersion, RerunMode, Run, RunInitiator, TaskAttempt, TaskExecution } from './runs.js';
import type { SchedulerDefinition } from './scheduler.js';

/** A plugin definition a host application hands in directly. */
export type PluginDefinition = SchedulerDefinition<any> | ExtensionDefinition<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Options for `createGofer`. Everything is optional; a missing key takes the config file's value. */
export interface GoferOptions {
  /** Path of `gofer.config.json`; default `$GOFER_CONFIG`, else `./gofer.config.json` when present. */
  configPath?: string;
  /** Config values that win over the file and the environment (nested objects are merged). */
  config?: GoferConfigFile;
  /** Plugins handed in by the host (discovery source 1); they count as configured. */
  plugins?: PluginDefinition[];
  /** Where log lines go; default: a logger writing to stderr at `logLevel`. */
  logger?: Logger;
  /** Read `GOFER_*` environment overrides (default true). */
  useEnv?: boolean;
  /**
   * Where the recorded times and the pipeline's time limits come from; default the system clock.
   * For tests: `@gofer/testkit`'s `FakeClock` (see {@link Clock} for what it drives).
   */
  clock?: Clock;
}

/** A plugin as the registry sees it: loaded, active, or failed with a reason. */
export interface PluginInfo {
  kind: PluginKind;
  name: string;
  /** npm package name, or `(host)` for plugins handed in by the host application. */
  packageName: string;
  packageDir?: string;
  version?: string;
  source: 'host' | 'config' | 'scan' | 'dir';
  /**
   * `active`: created and in use; `loaded`: valid but not in use (a plugin the config does not
   * use is checked from its package.json manifest and never imported); `failed`: see `error`.
   */
  status: 'active' | 'loaded' | 'failed';
  error?: { code: ErrorCode; message: string };
  /** Out-of-process extension command, when the plugin is one. */
  command?: string[];
}

/**
 * The page sizes of the list calls: `default` when no `limit` is given, `max` the largest
 * `limit` taken (a larger one, or one that is not a positive integer, is ERR_INVALID_ARGUMENT).
 * Lists are cursor based: pass the last item's id of a page (`runId`, event `id`,
 * `pipelineId`, `version`) as `before`/`after` to read the next page; a page shorter than its
 * limit is the last one.
 */
export const PAGE_LIMITS = {
  runs: { default: 50, max: 1000 },
  events: { default: 1000, max: 10_000 },
  pipelines: { default: 1000, max: 1000 },
  versions: { default: 1000, max: 1000 },
} as const;

/** Filters for listing events. */
export interface EventQuery {
  /** Only events with an id greater than this (the cursor: the last id of the previous page). */
  after?: number;
  types?: GoferEventType[];
  /** At most this many events; default and maximum in {@link PAGE_LIMITS}. */
  limit?: number;
}

/** A page of runs, newest first. */
export interface RunListOptions {
  /** At most this many runs; default and maximum in {@link PAGE_LIMITS}. */
  limit?: number;
  /** Only runs with a smaller run id (the cursor: the last run id of the previous page). */
  before?: number;
}

/** A page of pipelines, ordered by pipeline id. */
export interface PipelineListOptions {
  /** Only the pipelines of this namespace. */
  namespace?: string;
  /** Only pipelines whose id sorts after this one (the cursor: the last id of the previous page). */
  after?: string;
  /** At most this many pipelines; default and maximum in {@link PAGE_LIMITS}. */
  limit?: number;
}

/** A page of a pipeline's versions, oldest first. */
export interface VersionListOptions {
  /** Only versions greater than this (the cursor: the last version of the previous page). */
  after?: number;
  /** At most this many versions; default and maximum in {@link PAGE_LIMITS}. */
  limit?: number;
}

export interface PipelinesApi {
  /** Validates and stores a config as a new version. The first version is deployed at once. */
  register(config: PipelineConfig, opts?: { namespace?: string }): Promise<PipelineVersion>;
  /** Makes a version live: new runs use it. */
  deploy(pipelineId: string, version: number): Promise<PipelineInfo>;
  /** A page of pipelines, ordered by id (see {@link PipelineListOptions}). */
  list(opts?: PipelineListOptions): Promise<PipelineInfo[]>;
  get(pipelineId: string): Promise<PipelineInfo>;
  /** A page of the pipeline's versions, oldest first (see {@link VersionListOptions}). */
  versions(pipelineId: string, opts?: VersionListOptions): Promise<PipelineVersion[]>;
  getVersion(pipelineId: string, version?: number): Promise<PipelineVersion>;
  enable(pipelineId: string): Promise<PipelineInfo>;
  disable(pipelineId: string): Promise<PipelineInfo>;
  /**
   * Deletes the pipeline, its versions, runs, logs and objects, cancelling its unfinished runs first.
   * ERR_CONFLICT (the pipeline is kept) when a run is still unfinished and could not be waited for.
   */
  delete(pipelineId: string): Promise<void>;
}

export interface StartRunOptions {
  variables?: Record<string, string>;
  initiator?: RunInitiator;
  /** This run's time limit in ms, over the pipeline's `timeoutMs` (0: none). */
  timeoutMs?: number;
}

/** What `runs.rerun` takes: see {@link RerunMode}. */
export interface RerunOptions {
  /** Default `all`. */
  mode?: RerunMode;
  /** Mode `task`: the task to run again. */
  taskId?: string;
  /** Mode `task`: run everything that depends on it again too. */
  withDependents?: boolean;
  /** Who asks; `rerunOf` is filled in. Default `{ kind: 'api', name: 'api' }`. */
  initiator?: RunInitiator;
}

export interface RunsApi {
  /**
   * Creates a run of the live version; it starts when parallelism limits and its concurrency
   * group allow. ERR_CONCURRENCY_GROUP_BUSY when its group (mode skip) is full.
   */
  start(pipelineId: string, opts?: StartRunOptions): Promise<Run>;
  /**
   * Creates a new run that reruns a complete one: same pinned version and runtime variables;
   * tasks not run again are carried over (their rows link the run they came from). ERR_CONFLICT
   * when the run is not complete, ERR_NOT_FOUND for an unknown run or task.
   */
  rerun(pipelineId: string, runId: number, opts?: RerunOptions): Promise<Run>;
  /** A page of the pipeline's runs, newest first (see {@link RunListOptions}). */
  list(pipelineId: string, opts?: RunListOptions): Promise<Run[]>;
  get(pipelineId: string, runId: number): Promise<Run>;
  /** Stops running containers (graceful, then forced) and cancels waiting tasks. */
  cancel(pipelineId: string, runId: number): Promise<Run>;
  /** Resolves with the run once it is complete. */
  wait(pipelineId: string, runId: number, opts?: { signal?: AbortSignal }): Promise<Run>;
}

/** What `tasks.approve` and `tasks.reject` take. */
export interface ApprovalDecisionOptions {
  /** Recorded with the decision. */
  comment?: string;
  /**
   * Who decides; default `{ kind: 'host', name: 'api' }` (the embedding application). Checked
   * against the task's `approvers`; the HTTP API sets it from the caller's token.
   */
  by?: Approver;
}

export interface TasksApi {
  list(pipelineId: string, runId: number): Promise<TaskExecution[]>;
  get(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution>;
  /**
   * The task's stored output (secrets masked). With `follow`, keeps yielding live output until
   * the task completes.
   */
  logs(pipelineId: string, runId: number, taskId: string, opts?: { follow?: boolean; signal?: AbortSignal; attempt?: number }): AsyncIterable<Uint8Array>;
  /** Every attempt of the task so far, oldest first (the last one is the task execution's current attempt). */
  attempts(pipelineId: string, runId: number, taskId: string): Promise<TaskAttempt[]>;
  /**
   * Cancels one task: a running container is stopped (graceful, then forced after the stop
   * timeout), a task not started or in its retry backoff is cancelled at once; its dependents
   * follow their `dependsOn` rules. ERR_CONFLICT when the run is complete; a complete task is
   * returned as it is.
   */
  cancel(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution>;
  /**
   * Approves an approval gate waiting for a decision: the task succeeds and its dependents follow
   * their `dependsOn` rules. The decision is durable before this resolves. ERR_INVALID_ARGUMENT:
   * not an approval task; ERR_CONFLICT: not waiting (already decided, timed out, or its parents
   * are not done); ERR_FORBIDDEN: `by` is not among the task's `approvers`.
   */
  approve(pipelineId: string, runId: number, taskId: string, opts?: ApprovalDecisionOptions): Promise<TaskExecution>;
  /** Rejects an approval gate: the task fails with reason `approval_rejected`. Errors as {@link TasksApi.approve}. */
  reject(pipelineId: string, runId: number, taskId: string, opts?: ApprovalDecisionOptions): Promise<TaskExecution>;
}

export interface SecretsApi {
  put(scope: { pipelineId?: string }, key: string, value: string): Promise<void>;
  /** Lists keys only: values are write-only through the API. */
  list(scope: { pipelineId?: string }): Promise<string[]>;
  delete(scope: { pipelineId?: string }, key: string): Promise<void>;
}

export interface ObjectsApi {
  put(scope: { pipelineId: string; runId?: number }, key: string, value: Uint8Array): Promise<void>;
  get(scope: { pipelineId: string; runId?: number }, key: string): Promise<Uint8Array>;
  list(scope: { pipelineId: string; runId?: number }): Promise<string[]>;
  delete(scope: { pipelineId: string; runId?: number }, key: string): Promise<void>;
}

export interface EventsApi {
  /** A page of stored events, oldest first (see {@link EventQuery}). */
  list(query?: EventQuery): Promise<GoferEvent[]>;
  /** Stored events after `query.after`, then live ones until `signal` aborts. */
  follow(query?: EventQuery & { signal?: AbortSignal }): AsyncIterable<GoferEvent>;
  /** Calls `listener` for each event published from now on; returns an unsubscribe function. */
  on(listener: (event: GoferEvent) => void): () => void;
}

export interface PluginsApi {
  /** Every plugin found, including the ones that failed, with their reason. */
  list(): PluginInfo[];
}

/** A pipeline's subscription to a trigger extension, as stored. */
export interface SubscriptionInfo {
  /** Generated at creation; the extension receives it (the webhook path uses it). */
  subscriptionId: string;
  pipelineId: string;
  /** The extension's name ("cron", "webhook", ...). */
  extension: string;
  /** Unique per pipeline and extension: tells a pipeline's subscriptions apart ("nightly"). */
  label: string;
  /** The settings as given, secret references (`pipeline_secret{{KEY}}`) unresolved. */
  settings: Record<string, string>;
  /** `active`: the extension accepted it; `error`: it refused, see `statusReason`. */
  status: 'active' | 'error';
  statusReason?: string;
  /**
   * False after `subscriptions.disable`: the extension keeps watching, but every run it asks for is
   * refused (ERR_TRIGGER_PAUSED) and recorded as a `trigger.skipped` event.
   */
  enabled: boolean;
  created: number;
  modified: number;
}

/** What `subscriptions.create` takes. */
export interface CreateSubscriptionRequest {
  pipelineId: string;
  extension: string;
  /** 1-32 characters of `[a-zA-Z0-9_-]`. */
  label: string;
  /** String values, validated against the extension's subscription schema. */
  settings?: Record<string, string>;
}

export interface SubscriptionsApi {
  /**
   * Validates, stores and subscribes. A subscription the extension refuses is still stored,
   * with status `error` and the reason; invalid settings reject with ERR_INVALID_ARGUMENT.
   */
  create(req: CreateSubscriptionRequest): Promise<SubscriptionInfo>;
  list(opts?: { pipelineId?: string; extension?: string }): Promise<SubscriptionInfo[]>;
  get(subscriptionId: string): Promise<SubscriptionInfo>;
  /** Unsubscribes and removes it. */
  delete(subscriptionId: string): Promise<void>;
  /** Lets the subscription start runs again (`subscription.enabled`). Idempotent. */
  enable(subscriptionId: string): Promise<SubscriptionInfo>;
  /** Stops the subscription from starting runs; its fires are recorded as skipped (`subscription.disabled`). Idempotent. */
  disable(subscriptionId: string): Promise<SubscriptionInfo>;
}

/** Which triggers are paused: every one of the instance, and those of single pipelines. */
export interface TriggerPauses {
  /** Set while every trigger of the instance is paused. */
  instance?: TriggerPause;
  /** Pipelines whose triggers are paused, by pipeline id. */
  pipelines: Array<TriggerPause & { pipelineId: string }>;
}

export interface TriggerPause {
  /** When the pause began (ms since the epoch). */
  since: number;
  reason?: string;
}

/** One line an extension logged (its own lines, or its process's for out-of-process extensions). */
export interface ExtensionLogLine {
  /** Increases by one per line across all extensions since Gofer started: pass it as `after` to read on. */
  seq: number;
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A loaded (or failed) extension and how it is doing. */
export interface ExtensionInfo {
  name: string;
  packageName: string;
  status: PluginInfo['status'];
  error?: { code: ErrorCode; message: string };
  /** Out-of-process extensions: the command and the state of its process. */
  command?: string[];
  process?: {
    state: 'starting' | 'running' | 'restarting' | 'stopped';
    pid?: number;
    /** Restarts after crashes since Gofer started. */
    restarts: number;
    lastExitCode?: number | null;
  };
  subscriptions: { active: number; error: number; disabled: number };
  /** The JSON Schema a subscription's settings must match, when the extension has one. */
  subscriptionSchema?: Record<string, unknown>;
  /** True for a listener: it takes no subscriptions (see `defineListener`). */
  listener?: boolean;
}

export interface ExtensionsApi {
  /** Every extension found, including disabled and failed ones. */
  list(): Promise<ExtensionInfo[]>;
  get(name: string): Promise<ExtensionInfo>;
  /**
   * Pauses every trigger of the instance, or of one pipeline: runs extensions ask for are refused
   * (ERR_TRIGGER_PAUSED) and recorded as `trigger.skipped` events until `resumeTriggers`. Stored,
   * so a pause holds across restarts. Idempotent (the first reason and time are kept).
   */
  pauseTriggers(opts?: { pipelineId?: string; reason?: string }): Promise<TriggerPauses>;
  resumeTriggers(opts?: { pipelineId?: string }): Promise<TriggerPauses>;
  triggerPauses(): Promise<TriggerPauses>;
  /**
   * The extension's most recent log lines, oldest first (the last 1000 per extension are kept, in
   * memory, since Gofer started). `after` returns only lines with a greater `seq`.
   */
  logs(name: string, opts?: { after?: number; limit?: number; level?: ExtensionLogLine['level'] }): Promise<ExtensionLogLine[]>;
}

/** What `reapOrphans` did. */
export interface ReapResult {
  /** Containers removed: started by this instance, owned by no live run. */
  removed: Array<{ schedulerId: string; labels: Record<string, string> }>;
  /** Containers kept because their task is still unfinished. */
  kept: number;
  /** False when the scheduler cannot list containers (nothing to reap). */
  supported: boolean;
}

/** A running Gofer core. */
export interface Gofer {
  readonly config: GoferConfig;
  readonly logger: Logger;
  readonly plugins: PluginsApi;
  readonly pipelines: PipelinesApi;
  readonly runs: RunsApi;
  readonly tasks: TasksApi;
  readonly secrets: SecretsApi;
  readonly objects: ObjectsApi;
  readonly events: EventsApi;
  readonly subscriptions: SubscriptionsApi;
  readonly extensions: ExtensionsApi;
  /**
   * Removes containers this instance started whose task execution has finished (or whose run was
   * deleted). Also runs once at start-up, after unfinished runs are resumed (`reapOrphans` config).
   */
  reapOrphans(): Promise<ReapResult>;
  /**
   * Stops in order: extensions, then new work, then the scheduler, then the stores. Runs keep
   * their state and resume on the next start. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}
