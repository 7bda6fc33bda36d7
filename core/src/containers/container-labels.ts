/**
 * How the core names and labels the containers it asks the scheduler for. The request id lets a
 * scheduler replace a stale container of an earlier attempt; the labels let recovery find a
 * container a dead core was starting, and let the orphan reaper tell this instance's containers
 * (and their task) from everyone else's on a shared engine.
 */

/** The label carrying the data directory's instance id (see instance-id.ts). */
export const INSTANCE_LABEL = 'gofer.instance';

/** The label carrying a task's attempt number (from 1). */
export const ATTEMPT_LABEL = 'gofer.attempt';

/**
 * The deterministic scheduler request id of a task execution's attempt: `<pipeline>_<run>_<task>`
 * for the first, `<pipeline>_<run>_<task>.<attempt>` for retries. Unique per attempt, so starting
 * a retry never replaces the container of the attempt before it (kept as removeAfterExit says);
 * ids have no dot, so the suffix cannot clash with another task's id.
 */
export function containerRequestId(pipelineId: string, runId: number, taskId: string, attempt = 1): string {
  return attempt <= 1 ? `${pipelineId}_${runId}_${taskId}` : `${pipelineId}_${runId}_${taskId}.${attempt}`;
}

/**
 * The labels of one task execution's container. Retries carry the attempt label, which lets
 * recovery find the container of the attempt a dead core was starting, never an earlier one's.
 * The first attempt has none (as before retries): when recovery looks for it, no later attempt exists.
 */
export function containerLabels(pipelineId: string, runId: number, taskId: string, instanceId: string, attempt = 1): Record<string, string> {
  const labels: Record<string, string> = { 'gofer.pipeline': pipelineId, 'gofer.run': String(runId), 'gofer.task': taskId, [INSTANCE_LABEL]: instanceId };
  if (attempt > 1) labels[ATTEMPT_LABEL] = String(attempt);
  return labels;
}

/** The task a container belongs to, read back from its labels; undefined when they are not Gofer's. */
export function taskOfLabels(labels: Record<string, string>): { pipelineId: string; runId: number; taskId: string } | undefined {
  const pipelineId = labels['gofer.pipeline'];
  const runId = Number(labels['gofer.run']);
  const taskId = labels['gofer.task'];
  if (!pipelineId || !taskId || !Number.isInteger(runId)) return undefined;
  return { pipelineId, runId, taskId };
}
