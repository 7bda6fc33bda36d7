/** The pure rules of a run's DAG: when a child may start, and how a run's status follows from its tasks. */
import type { RequiredParentStatus, RunStatus, TaskExecutionStatus } from '../api/index.js';

/** Whether a parent's final status satisfies what the child requires of it (`dependsOn`). */
export function parentSatisfies(required: RequiredParentStatus, status: TaskExecutionStatus): boolean {
  // A task cancelled on its own (tasks.cancel) has finished too: `any` children still run.
  if (required === 'any') return status === 'successful' || status === 'failed' || status === 'skipped' || status === 'cancelled';
  if (required === 'failure') return status === 'failed';
  return status === 'successful';
}

/**
 * A complete run's status: `cancelled` when a cancel was requested and cut a task short,
 * else `failed` when a task failed, ended `unknown` or was cancelled on its own, else
 * `successful` (skips are fine), with reason `allowed_failure` naming the tasks in
 * `allowedToFail` (`allowFailure: true`) that did not succeed.
 */
export function runOutcome(
  finished: ReadonlyMap<string, TaskExecutionStatus>,
  cancelRequested: boolean,
  allowedToFail: ReadonlySet<string> = new Set(),
): { status: RunStatus; reason?: { reason: string; description: string } } {
  const statuses = [...finished.entries()];
  if (cancelRequested && statuses.some(([, s]) => s === 'cancelled')) {
    return { status: 'cancelled', reason: { reason: 'cancelled', description: 'the run was cancelled' } };
  }
  // A task cancelled on its own (the run itself was not) did not do its work: the run failed.
  const notDone = statuses.filter(([, s]) => s === 'failed' || s === 'unknown' || s === 'cancelled').map(([id]) => id);
  const failed = notDone.filter((id) => !allowedToFail.has(id));
  const allowed = notDone.filter((id) => allowedToFail.has(id));
  if (failed.length > 0) {
    return {
      status: 'failed',
      reason: { reason: 'task_failed', description: `task${failed.length === 1 ? '' : 's'} ${failed.map((id) => `"${id}"`).join(', ')} failed` },
    };
  }
  if (allowed.length > 0) {
    const list = allowed.map((id) => `"${id}"`).join(', ');
    return {
      status: 'successful',
      reason: {
        reason: 'allowed_failure',
        description: `task${allowed.length === 1 ? '' : 's'} ${list} did not succeed, which allowFailure permits`,
      },
    };
  }
  return { status: 'successful' };
}
