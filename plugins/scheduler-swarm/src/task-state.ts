/**
 * Swarm task states translated to Gofer's container states. A service made by this plugin has
 * one replica and restart condition `none`, so it has one task for its whole life.
 */
import type { ContainerStatus } from '@gofer/core/api';

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
 * The container state of a task that Gofer did not stop:
 * - active states -> `running` (also while pending placement or pulling);
 * - `complete` -> `exited` with the container's exit code (0);
 * - `failed`/`shutdown` with a container exit code -> `exited` with that code;
 * - `rejected` (never ran: image or start failure), `orphaned` (its node vanished), or an end
 *   without a real exit code -> `unknown`: inventing an exit code would misreport the task.
 * Swarm reports `ExitCode: 0` even for tasks that never started, so a zero only counts for
 * `complete`.
 */
export function taskStatus(task: SwarmTask | undefined): ContainerStatus {
  if (!task) return { state: 'running' }; // the service exists; its task is not created yet
  const state = task.Status?.State ?? '';
  if (ACTIVE.has(state)) return { state: 'running' };
  const exitCode = task.Status?.ContainerStatus?.ExitCode;
  if (state === 'complete') return { state: 'exited', exitCode: exitCode ?? 0 };
  if ((state === 'failed' || state === 'shutdown') && typeof exitCode === 'number' && exitCode !== 0) return { state: 'exited', exitCode };
  if (state === 'shutdown' && task.Status?.ContainerStatus?.ContainerID) return { state: 'exited', exitCode: exitCode ?? 0 };
  return { state: 'unknown' };
}
