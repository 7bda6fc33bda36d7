/** Runs, task executions, pipelines as stored: what the API returns. */
import type { PipelineConfig } from './pipeline.js';

export type RunState = 'pending' | 'running' | 'complete';
export type RunStatus = 'unknown' | 'successful' | 'failed' | 'cancelled';

/** Who or what started a run. */
export interface RunInitiator {
  kind: 'user' | 'extension' | 'api';
  /** The user/token name, or the extension name. */
  name: string;
  /** Set when an extension started the run. */
  subscriptionId?: string;
  reason?: string;
  /** Set when the run is a rerun (`runs.rerun`): the run it reruns and how. */
  rerunOf?: RerunOf;
}

/**
 * What a rerun reruns: `all` (every task again), `failed` (the tasks that did not succeed and
 * what depends on them; successful tasks are carried over), `task` (one task, with
 * `withDependents` everything downstream of it too; the rest is carried over).
 */
export type RerunMode = 'all' | 'failed' | 'task';

/** The link from a rerun to the run it reruns (see {@link RunInitiator.rerunOf}). */
export interface RerunOf {
  runId: number;
  mode: RerunMode;
  /** Mode `task` only: the task run again. */
  taskId?: string;
  /** Mode `task` only: its dependents were run again too. */
  withDependents?: boolean;
}

/** Why a pending run has not been admitted yet (computed when read, never stored). */
export interface RunWaiting {
  reason: 'concurrency_group';
  description: string;
}

export interface Run {
  pipelineId: string;
  /** Increases by one per pipeline, starting at 1. */
  runId: number;
  /** The pipeline version the run uses. */
  version: number;
  state: RunState;
  status: RunStatus;
  /** Why the run ended as it did (for example "task build failed"). */
  statusReason?: { reason: string; description: string };
  initiator: RunInitiator;
  /** Runtime variables given when the run was started. */
  variables: Record<string, string>;
  started: number;
  ended?: number;
  /** The run's time limit (the pipeline's `timeoutMs`, or the one given at start); absent: none. */
  timeoutMs?: number;
  /** When the run is cancelled with reason `timeout`: set once it starts running. */
  deadline?: number;
  /** The resolved concurrency group (`concurrency.group` of its pipeline version, variables filled in), fixed at creation. */
  concurrencyGroup?: string;
  /** Set while the run is `pending` behind a full concurrency group: why it waits. */
  waiting?: RunWaiting;
}

/**
 * `retrying`: an attempt ended with a reason worth retrying and the task waits its backoff
 * (until `retryAt`) before its next attempt. `waiting_approval`: an approval gate waits for a
 * decision (see {@link TaskApproval}).
 */
export type TaskExecutionState = 'processing' | 'waiting' | 'running' | 'waiting_approval' | 'complete' | 'retrying';
export type TaskExecutionStatus = 'unknown' | 'successful' | 'failed' | 'cancelled' | 'skipped';
export type TaskExecutionReason =
  | 'abnormal_exit'
  | 'scheduler_error'
  | 'failed_precondition'
  | 'cancelled'
  | 'orphaned'
  | 'timeout'
  | 'log_write_failed'
  | 'approval_rejected'
  | 'condition_false'
  | 'outputs_invalid';

/**
 * Where a task's variable came from. The first three are merged by the core, most important
 * first; `scheduler_secret` is a task `secrets` entry the scheduler resolves itself, which wins
 * over a variable of the same key.
 */
export type VariableSource = 'pipeline_config' | 'matrix' | 'run_options' | 'system' | 'scheduler_secret';

/** A store a substitution reads from: `pipeline_secret{{KEY}}` and the others. */
export type SubstitutionStore = 'pipeline_secret' | 'global_secret' | 'pipeline_object' | 'run_object' | 'task_output';

/**
 * One environment variable a task received, with where it came from. Values Gofer keeps secret
 * are shown as `********`: substituted secrets, the API token, and every `scheduler_secret`
 * (whose value Gofer never sees).
 */
export interface TaskVariable {
  key: string;
  value: string;
  source: VariableSource;
  /**
   * Set when substitutions filled (part of) the value: each store and key, in the order they
   * appear (`[{ store: 'pipeline_secret', key: 'db_pass' }]` for `pipeline_secret{{db_pass}}`).
   */
  valueFrom?: Array<{ store: SubstitutionStore; key: string }>;
  /** `scheduler_secret` only: the location the scheduler resolves the value from. */
  location?: string;
}

/**
 * Who decided an approval: a token (its id, kind and, for client tokens, namespaces), a run's own
 * token, or the embedding host application (`kind: 'host'`, with the name it gave as `by`).
 */
export interface Approver {
  kind: 'management' | 'client' | 'run' | 'host';
  /** A readable name: `token <id>`, `run <pipeline>#<run>`, or what the host passed. */
  name: string;
  tokenId?: string;
  /** Client tokens: the namespaces the token holds. */
  namespaces?: string[];
}

/** The decision on an approval gate: approved, rejected, or nobody decided before the timeout. */
export interface ApprovalDecision {
  decision: 'approved' | 'rejected' | 'timed_out';
  /** Unset for a timeout. */
  by?: Approver;
  comment?: string;
  at: number;
}

/** An approval gate's request and, once made, its decision. */
export interface TaskApproval {
  message: string;
  /** When the task started waiting. */
  requested: number;
  /** When it times out (`requested + timeoutMs`); unset: it waits until decided. */
  deadline?: number;
  decision?: ApprovalDecision;
}

export interface TaskExecution {
  pipelineId: string;
  runId: number;
  taskId: string;
  /** `approval` for an approval gate (which runs no container: its `image` is empty); unset for a container task. */
  kind?: 'approval';
  image: string;
  state: TaskExecutionState;
  status: TaskExecutionStatus;
  statusReason?: { reason: TaskExecutionReason; description: string };
  exitCode?: number;
  /** The scheduler's handle, once started. */
  schedulerId?: string;
  /** Every environment variable the task receives, each with its source (set when the task starts). */
  variables: TaskVariable[];
  /** Approval gates, once waiting: the request and the decision. */
  approval?: TaskApproval;
  created: number;
  started?: number;
  ended?: number;
  /** The current (or last) attempt, from 1: the fields above are this attempt's. */
  attempt: number;
  /** While `retrying`: when the next attempt starts. */
  retryAt?: number;
  /** Set once a single-task cancel was asked for (`tasks.cancel`). */
  cancelRequested?: boolean;
  /**
   * What the task wrote to `$GOFER_OUTPUT`, once it ended (in the order written). Secret
   * outputs (`KEY::secret=value`) show `********`.
   */
  outputs?: TaskOutput[];
  /** Set on one combination of a matrix task: the task id in the config and this combination's values. */
  matrix?: MatrixCombination;
  /** Set on a task with `allowFailure: true`. */
  allowFailure?: boolean;
  /**
   * Set on a task a rerun carried over instead of running it: the run whose result (status,
   * exit code, times, variables) it copies. Its logs are read from that run's log.
   */
  carriedFrom?: { runId: number };
}

/** One output of a task (see {@link TaskExecution.outputs}). */
export interface TaskOutput {
  key: string;
  /** `********` when secret. */
  value: string;
  secret?: boolean;
}

/** Which matrix task a task execution is a combination of, and the combination's values. */
export interface MatrixCombination {
  /** The task's id in the pipeline config (`test` for `test[NODE=18]`). */
  taskId: string;
  values: Record<string, string>;
}

/** One attempt of a task execution: its own container, exit code, times and log. */
export interface TaskAttempt {
  pipelineId: string;
  runId: number;
  taskId: string;
  /** From 1. */
  attempt: number;
  state: TaskExecutionState;
  status: TaskExecutionStatus;
  statusReason?: { reason: TaskExecutionReason; description: string };
  exitCode?: number;
  schedulerId?: string;
  started?: number;
  ended?: number;
  /** Set on an attempt that was followed by another: when that one was due. */
  retryAt?: number;
}

/** A pipeline as stored: its metadata and live version. */
export interface PipelineInfo {
  pipelineId: string;
  namespace: string;
  name: string;
  description: string;
  state: 'active' | 'disabled';
  /** The deployed version runs use; 0 before any deployment. */
  liveVersion: number;
  latestVersion: number;
  created: number;
  modified: number;
}

/** One registered version of a pipeline's config. */
export interface PipelineVersion {
  pipelineId: string;
  version: number;
  config: PipelineConfig;
  created: number;
  deployed: boolean;
}
