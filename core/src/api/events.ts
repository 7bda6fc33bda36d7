/** Typed events: every state change Gofer makes is published and persisted as one. */

/** Event names and their payloads. Names are `<noun>.<past-tense verb>`. */
export interface GoferEventMap {
  'pipeline.registered': { pipelineId: string; version: number };
  'pipeline.deployed': { pipelineId: string; version: number };
  'pipeline.enabled': { pipelineId: string };
  'pipeline.disabled': { pipelineId: string };
  'pipeline.deleted': { pipelineId: string };
  'run.created': { pipelineId: string; runId: number };
  'run.started': { pipelineId: string; runId: number };
  'run.completed': { pipelineId: string; runId: number; status: string };
  'run.cancel_requested': { pipelineId: string; runId: number };
  'task.created': { pipelineId: string; runId: number; taskId: string };
  'task.started': { pipelineId: string; runId: number; taskId: string; schedulerId: string };
  'task.completed': { pipelineId: string; runId: number; taskId: string; status: string; reason?: string; exitCode?: number };
  'object.evicted': { pipelineId: string; key: string };
  'subscription.created': { subscriptionId: string; pipelineId: string; extension: string };
  'subscription.deleted': { subscriptionId: string };
  'subscription.failed': { subscriptionId: string; reason: string };
  'extension.crashed': { extension: string; exitCode: number | null; restartInMs: number };
  'plugin.failed': { kind: string; name: string; code: string; message: string };
}

export type GoferEventType = keyof GoferEventMap;

/** One event, as published and as stored. `id` increases monotonically once persisted. */
export type GoferEvent = {
  [K in GoferEventType]: { id: number; type: K; at: number; payload: GoferEventMap[K] };
}[GoferEventType];
