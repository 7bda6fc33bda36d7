/**
 * Which tasks a rerun carries over from the run it reruns (the rest run again):
 * - `all`: none.
 * - `failed`: every successful task whose parents are all carried over too. A successful task
 *   downstream of one that runs again runs again as well: its `dependsOn` rule was judged on the
 *   old parent's result (an `on-failure` cleanup must not be carried once its parent succeeds).
 * - `task`: every task but the named one (and, with `withDependents`, everything downstream of it).
 */
import { GoferError, type PipelineConfig, type RerunOf } from '../api/index.js';
import type { StoredTask } from './run-store.js';
import { planTasks } from '../pipelines/task-plan.js';

/**
 * The tasks to carry over, from the source run's (complete) rows. Works on the planned
 * executions: a matrix task is its combinations, and a parent's rule counts all of them.
 */
export function carriedTasks(config: PipelineConfig, rows: readonly StoredTask[], rerun: RerunOf): StoredTask[] {
  const byId = new Map(rows.map((r) => [r.taskId, r]));
  if (rerun.mode === 'all') return [];
  const plan = planTasks(config);
  const members = (configId: string) => plan.groups.get(configId) ?? [];
  if (rerun.mode === 'task') {
    // A matrix task's id reruns every combination; a combination's id reruns that one.
    const again = new Set(plan.groups.get(rerun.taskId!) ?? [rerun.taskId!]);
    if (rerun.withDependents) {
      // Grow the set until no task depends on one in it (the DAG is small; this is O(n * depth)).
      for (let grew = true; grew;) {
        grew = false;
        for (const task of plan.tasks) {
          if (again.has(task.id)) continue;
          if (task.dependsOn.some(([p]) => members(p).some((id) => again.has(id)))) {
            again.add(task.id);
            grew = true;
          }
        }
      }
    }
    return plan.tasks.filter((t) => !again.has(t.id) && byId.has(t.id)).map((t) => byId.get(t.id)!);
  }
  const carried = new Set<string>();
  // Parents before children: a task is considered once all its parents have been.
  for (let grew = true; grew;) {
    grew = false;
    for (const task of plan.tasks) {
      if (carried.has(task.id) || byId.get(task.id)?.status !== 'successful') continue;
      if (task.dependsOn.every(([p]) => members(p).every((id) => carried.has(id)))) {
        carried.add(task.id);
        grew = true;
      }
    }
  }
  return plan.tasks.filter((t) => carried.has(t.id)).map((t) => byId.get(t.id)!);
}

/** Checks a rerun request against the source run's config (mode, task id). */
export function checkRerun(config: PipelineConfig, pipelineId: string, runId: number, rerun: RerunOf): void {
  if (!['all', 'failed', 'task'].includes(rerun.mode)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `Rerun mode must be "all", "failed" or "task", not ${JSON.stringify(rerun.mode)}.`, {
      details: { field: 'mode' },
    });
  }
  if (rerun.mode !== 'task') {
    if (rerun.taskId !== undefined || rerun.withDependents)
      throw new GoferError('ERR_INVALID_ARGUMENT', 'A task id (and withDependents) only goes with rerun mode "task".', { details: { field: 'taskId' } });
    return;
  }
  if (!rerun.taskId) throw new GoferError('ERR_INVALID_ARGUMENT', 'Rerun mode "task" needs the id of the task to run again.', { details: { field: 'taskId' } });
  const plan = planTasks(config);
  if (!plan.groups.has(rerun.taskId) && !plan.byId.has(rerun.taskId)) {
    throw new GoferError(
      'ERR_NOT_FOUND',
      `Run ${runId} of pipeline "${pipelineId}" has no task "${rerun.taskId}"; \`gofer task list ${pipelineId} ${runId}\` lists its tasks.`,
      { details: { pipelineId, runId, taskId: rerun.taskId } },
    );
  }
}
