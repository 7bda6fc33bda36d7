/**
 * How the core names and labels the containers it asks the scheduler for. The request id lets a
 * scheduler replace a stale container of an earlier attempt; the labels let recovery find a
 * container a dead core was starting, and let the orphan reaper tell this instance's containers
 * (and their task) from everyone else's on a shared engine.
 */

/** The label carrying the data directory's instance id (see instance-id.ts). */
export const INSTANCE_LABEL = 'gofer.instance';

/** The deterministic scheduler request id of a task execution: `<pipeline>_<run>_<task>`. */
export function containerRequestId(pipelineId: string, runId: number, taskId: string): string {
  return `${pipelineId}_${runId}_${taskId}`;
}

/** The labels of one task execution's container. */
export function containerLabels(pipelineId: string, runId: number, taskId: string, instanceId: string): Record<string, string> {
  return { 'gofer.pipeline': pipelineId, 'gofer.run': String(runId), 'gofer.task': taskId, [INSTANCE_LABEL]: instanceId };
}

/** The task a container belongs to, read back from its labels; undefined when they are not Gofer's. */
export function taskOfLabels(labels: Record<string, string>): { pipelineId: string; runId: number; taskId: string } | undefined {
  const pipelineId = labels['gofer.pipeline'];
  const runId = Number(labels['gofer.run']);
  const taskId = labels['gofer.task'];
  if (!pipelineId || !taskId || !Number.isInteger(runId)) return undefined;
  return { pipelineId, runId, taskId };
}
