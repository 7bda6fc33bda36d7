/**
 * Swarm task states translated to Gofer's container states. A service made by this plugin has
 * one replica and restart condition `none`, so it has one task for its whole life.
 */
import type { ContainerStatus } from '@gofer/core/api';
import { describeNode, isLost, type NodeView } from './swarm-nodes.js';

/** The fields of a swarm task (`GET /tasks`) this plugin reads. */
export interface SwarmTask {
  ID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Version?: { Index?: number };
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

/**
 * Not finished yet: placed, waiting for resources, pulling the image, or running. The image
 * pull happens in `preparing`, which the contract counts as running.
 */
const ACTIVE = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);
/** Finished for good: it will not run again (restart condition `none`). */
const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/** True when the task will not run (again). */
export function isEnded(task: SwarmTask | undefined): boolean {
  return task !== undefined && ENDED.has(task.Status?.State ?? '');
}

/** Placed on a node (which may still be pulling the image): past swarm's scheduling. */
const PLACED = new Set(['assigned', 'accepted', 'preparing', 'ready', 'starting', 'running']);

/** True once a node has taken the task. */
export function isPlaced(task: SwarmTask | undefined): boolean {
  return task !== undefined && PLACED.has(task.Status?.State ?? '');
}

/** True when the task has a process running (not merely placed or pulling). */
export function hasStarted(task: SwarmTask | undefined): boolean {
  return task?.Status?.State === 'running' || isEnded(task);
}

/** The service's current task: the newest one, when an earlier one is still listed. */
export function currentTask(tasks: readonly SwarmTask[]): SwarmTask | undefined {
  let best: SwarmTask | undefined;
  for (const t of tasks) {
    if (!best || (t.Version?.Index ?? 0) > (best.Version?.Index ?? 0)) best = t;
  }
  return best;
}

/**
 * The container state of a task that Gofer did not stop, given how its node is doing:
 * - active states -> `running` (also while pending placement or pulling), unless the node
 *   running it is down or gone: such a task will never report its end, so it is `unknown`
 *   with the reason (swarm itself keeps showing it `running` until the node returns);
 * - `complete` -> `exited` with the container's exit code (0);
 * - `failed` with a container exit code -> `exited` with that code;
 * - `shutdown` (the swarm stopped it: its node was drained, or the service was changed outside
 *   Gofer) -> `unknown` with the reason: the task did not finish, whatever the exit code says;
 * - `rejected` (never ran), `orphaned` (its node vanished), or an end without a real exit code
 *   -> `unknown`: inventing an exit code would misreport the task.
 * Swarm reports `ExitCode: 0` even for tasks that never started, so a zero only counts for
 * `complete`.
 */
export function taskStatus(task: SwarmTask | undefined, node?: NodeView): ContainerStatus {
  if (!task) return { state: 'running' }; // the service exists; its task is not created yet
  const state = task.Status?.State ?? '';
  const exitCode = task.Status?.ContainerStatus?.ExitCode;
  if (ACTIVE.has(state)) {
    if (!node || !task.NodeID || !isLost(node)) return { state: 'running' };
    const gone = node.removed ? 'is no longer in the swarm' : `is ${node.state}`;
    return {
      state: 'unknown',
      reason: `the swarm node ${describeNode(node)} running the task ${gone}: how the task ended cannot be known (last reported state: ${state})`,
    };
  }
  if (state === 'complete') return { state: 'exited', exitCode: exitCode ?? 0 };
  if (state === 'failed' && typeof exitCode === 'number' && exitCode !== 0) return { state: 'exited', exitCode };
  if (state === 'shutdown') {
    const why =
      node?.availability === 'drain' ? `its node ${describeNode(node)} was drained` : 'its node was drained, or its service was changed outside Gofer';
    const code = task.Status?.ContainerStatus?.ContainerID && typeof exitCode === 'number' ? `; the container exited with code ${exitCode}` : '';
    return { state: 'unknown', reason: `the swarm shut the task down before it finished (${why})${code}` };
  }
  const detail = task.Status?.Err ?? task.Status?.Message;
  return { state: 'unknown', reason: `the swarm reports the task ${state || 'without a state'}${detail ? `: ${detail}` : ''}` };
}
