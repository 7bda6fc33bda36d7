/**
 * Recovery: what a resumed run does with the task rows a previous process left unfinished.
 * Every state change was written before the scheduler acted (run-execution.ts), so a row says
 * exactly how far the task got:
 * - `running` with a scheduler id: the container was started; re-attach to it (state + logs),
 *   never start it again. A container that vanished meanwhile ends the task `unknown/orphaned`.
 * - `waiting`: Gofer stopped while starting it. A container found by the task's labels that is
 *   running or has finished is adopted; one that never got going (created, not started: the
 *   scheduler reports `unknown`) is removed first, then the task starts as if new (the run may
 *   meanwhile have been cancelled, or a substitution may fail: then nothing starts, and the
 *   leftover must not outlive its task).
 * - `retrying`: the task waited its retry backoff: the wait goes on to the recorded `retryAt`
 *   (already past: at once), then the next attempt starts; the row already has its number.
 * - `waiting_approval`: an approval gate was waiting for a decision; it waits again, its timeout
 *   counted from when it first started waiting (a decision already made completed the row).
 * Rows still `processing` need nothing: the DAG starts them when their parents allow.
 */
import type { Logger, Scheduler, TaskApproval, TaskConfig } from '../api/index.js';
import type { StoredTask } from './run-store.js';

/** What recovery needs from the run execution it resumes. */
export interface ResumableRun {
  readonly scheduler: Scheduler;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Marks the task handled, so the DAG does not start it again; undefined when unknown. */
  claim(taskId: string): TaskConfig | undefined;
  /** Records a found container as the task's; returns its start time. */
  adopt(taskId: string, schedulerId: string): number;
  /** Follows a container to its end and completes the task. */
  /** `startedAt` undefined: not recorded (the watch counts the task's time limit from now). */
  watch(task: TaskConfig, schedulerId: string, startedAt: number | undefined, secretValues: string[], reattach: boolean): Promise<void>;
  /** Waits the rest of a recorded retry backoff, then starts the next attempt. */
  resumeBackoff(task: TaskConfig, retryAt: number): void;
  /** Starts the task as if it were new. */
  runTask(task: TaskConfig): Promise<void>;
  failUnexpectedly(taskId: string, err: Error): void;
  secretValuesFor(task: TaskConfig): string[];
  /** An approval gate waits again (re-arming its timeout). */
  resumeApproval(taskId: string, approval: TaskApproval | undefined): void;
  labels(taskId: string): Record<string, string>;
}

/** Resumes one task row of a resumed run (see the file comment). */
export function resumeTask(run: ResumableRun, row: StoredTask): void {
  if (row.state === 'running' && row.schedulerId) reattach(run, row, row.schedulerId);
  else if (row.state === 'waiting') resumeStarting(run, row);
  else if (row.state === 'retrying') {
    const task = run.claim(row.taskId);
    if (task) run.resumeBackoff(task, row.retryAt ?? 0);
  } else if (row.state === 'waiting_approval') run.resumeApproval(row.taskId, row.approval);
}

/** The task's container was running when Gofer stopped. */
function reattach(run: ResumableRun, row: StoredTask, schedulerId: string): void {
  const task = run.claim(row.taskId);
  if (!task) return;
  run.watch(task, schedulerId, row.started, run.secretValuesFor(task), true).catch((err: Error) => run.failUnexpectedly(task.id, err));
}

/** Gofer stopped while starting the task. */
function resumeStarting(run: ResumableRun, row: StoredTask): void {
  const task = run.claim(row.taskId);
  if (!task) return;
  void (async () => {
    const { scheduler } = run;
    const found = scheduler.listContainers ? await scheduler.listContainers({ labels: run.labels(task.id) }).catch(() => []) : [];
    const existing = found[0];
    const state = existing ? await scheduler.getState({ schedulerId: existing.schedulerId }).catch(() => ({ state: 'unknown' as const })) : undefined;
    if (existing && state && state.state !== 'unknown') {
      const started = run.adopt(task.id, existing.schedulerId);
      await run.watch(task, existing.schedulerId, started, run.secretValuesFor(task), true);
    } else {
      if (existing) await discardLeftover(run, existing.schedulerId);
      await run.runTask(task);
    }
  })().catch((err: Error) => run.failUnexpectedly(task.id, err));
}

/** Removes a container a dead core created but never started. */
async function discardLeftover(run: ResumableRun, schedulerId: string): Promise<void> {
  try {
    await run.scheduler.removeContainer?.({ schedulerId });
  } catch (err) {
    // Starting the task again under the same id replaces it anyway; only a cancelled task
    // would leave it behind, and the orphan reaper removes it at the next start.
    run.log.warn('could not remove a container left over from before the restart', { schedulerId, error: (err as Error).message });
  }
}
