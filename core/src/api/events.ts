/** Typed events: every state change Gofer makes is published and persisted as one. */
import type { ErrorCode } from './errors.js';
import type { PluginKind } from './plugin.js';
import type { ApprovalDecision, Approver, RerunMode, RunStatus, TaskExecutionReason, TaskExecutionStatus } from './runs.js';

/** Event names and their payloads. Names are `<noun>.<past-tense verb>`. */
export interface GoferEventMap {
  'pipeline.registered': { pipelineId: string; version: number };
  'pipeline.deployed': { pipelineId: string; version: number };
  'pipeline.enabled': { pipelineId: string };
  'pipeline.disabled': { pipelineId: string };
  'pipeline.deleted': { pipelineId: string };
  'run.created': { pipelineId: string; runId: number };
  'run.started': { pipelineId: string; runId: number };
  'run.completed': { pipelineId: string; runId: number; status: RunStatus };
  'run.cancel_requested': { pipelineId: string; runId: number };
  /** A rerun was created (`runId`) of run `rerunOf`; `carried` lists the tasks carried over, not run again. */
  'run.rerun_requested': { pipelineId: string; runId: number; rerunOf: number; mode: RerunMode; taskId?: string; carried: string[] };
  'task.created': { pipelineId: string; runId: number; taskId: string };
  'task.started': { pipelineId: string; runId: number; taskId: string; schedulerId: string };
  'task.completed': { pipelineId: string; runId: number; taskId: string; status: TaskExecutionStatus; reason?: TaskExecutionReason; exitCode?: number };
  /** An attempt ended with a reason worth retrying: `attempt` (the next one) starts at `retryAt`. */
  'task.retrying': { pipelineId: string; runId: number; taskId: string; attempt: number; retryAt: number; reason: TaskExecutionReason };
  'task.cancel_requested': { pipelineId: string; runId: number; taskId: string };
  /** The run ran over its `timeoutMs`: it is being cancelled with reason `timeout`. */
  'run.timed_out': { pipelineId: string; runId: number; timeoutMs: number };
  /** An approval gate started waiting; `deadline` is when it times out (unset: never). */
  'task.approval_requested': { pipelineId: string; runId: number; taskId: string; message: string; deadline?: number };
  /** An approval gate was approved, rejected, or timed out (then `by` is unset). Followed by its `task.completed`. */
  'task.approval_decided': {
    pipelineId: string;
    runId: number;
    taskId: string;
    decision: ApprovalDecision['decision'];
    by?: Approver;
    comment?: string;
    at: number;
  };
  'object.evicted': { pipelineId: string; key: string };
  'subscription.created': { subscriptionId: string; pipelineId: string; extension: string };
  'subscription.deleted': { subscriptionId: string };
  /** `reason` says in words why the extension refused it (or why it could not be resolved). */
  'subscription.failed': { subscriptionId: string; reason: string };
  'subscription.enabled': { subscriptionId: string; pipelineId: string };
  'subscription.disabled': { subscriptionId: string; pipelineId: string };
  /** Every trigger of the instance (no `pipelineId`) or of one pipeline was paused. */
  'triggers.paused': { pipelineId?: string; reason?: string };
  'triggers.resumed': { pipelineId?: string };
  /** An extension asked for a run while its subscription was disabled or its triggers paused. */
  'trigger.skipped': {
    subscriptionId: string;
    pipelineId: string;
    extension: string;
    cause: 'subscription_disabled' | 'pipeline_paused' | 'instance_paused';
    /** The reason the extension gave for the run it asked for ("cron 0 3 * * * fired for ..."). */
    reason: string;
    eventId?: string;
  };
  'extension.crashed': { extension: string; exitCode: number | null; restartInMs: number };
  'plugin.failed': { kind: PluginKind; name: string; code: ErrorCode; message: string };
}

export type GoferEventType = keyof GoferEventMap;

/** One event, as published and as stored. `id` increases monotonically once persisted. */
export type GoferEvent = {
  [K in GoferEventType]: { id: number; type: K; at: number; payload: GoferEventMap[K] };
}[GoferEventType];
