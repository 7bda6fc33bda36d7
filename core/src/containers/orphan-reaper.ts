/**
 * Finds and removes orphans: containers this instance started (label `gofer.instance`) that no
 * unfinished task execution owns, because their task finished (its output is in the log file),
 * their run was deleted, or it never existed in this data directory. Ownership is per task, not
 * per run: a core killed after a task ended but before the scheduler removed its container
 * leaves it behind while the rest of the run is still going, and nothing reads it again.
 * Runs at start-up after recovery, and on demand (`gofer.reapOrphans()`).
 * Schedulers without `listContainers`/`removeContainer` have nothing to reap.
 */
import { isGoferError, type Logger, type ReapResult, type Scheduler, type TaskExecution } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { LOGGER } from '../kernel/tokens.js';
import { SCHEDULER } from '../plugin-host/registry.js';
import { INSTANCE_LABEL, taskOfLabels } from './container-labels.js';
import { INSTANCE_ID } from './instance-id.js';

/**
 * Where the reaper reads whether a task is unfinished. The run store lives above this module
 * (runs use containers), so the runs module provides it under TASK_STATES.
 */
export interface TaskStates {
  /** Throws when the run or task does not exist. */
  task(pipelineId: string, runId: number, taskId: string): Pick<TaskExecution, 'state'>;
}

export const TASK_STATES = token<TaskStates>('gofer.task-states');

@injectable(SCHEDULER, TASK_STATES, INSTANCE_ID, LOGGER)
export class OrphanReaper {
  constructor(
    private readonly scheduler: Scheduler,
    private readonly runs: TaskStates,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  async reap(): Promise<ReapResult> {
    const { scheduler } = this;
    if (!scheduler.listContainers || !scheduler.removeContainer) return { removed: [], kept: 0, supported: false };
    const found = await scheduler.listContainers({ labels: { [INSTANCE_LABEL]: this.instanceId } });
    const removed: ReapResult['removed'] = [];
    let kept = 0;
    for (const container of found) {
      if (this.ownedByUnfinishedTask(container.labels)) {
        kept++;
        continue;
      }
      try {
        await scheduler.removeContainer({ schedulerId: container.schedulerId });
        removed.push(container);
      } catch (err) {
        // Gone meanwhile (removed after exit by the scheduler itself): nothing left to reap.
        if (!isGoferError(err, 'ERR_NO_SUCH_CONTAINER'))
          this.logger.warn('could not remove an orphan container', { schedulerId: container.schedulerId, error: String(err) });
      }
    }
    if (removed.length > 0) this.logger.info('removed orphan containers', { removed: removed.map((c) => c.schedulerId) });
    return { removed, kept, supported: true };
  }

  private ownedByUnfinishedTask(labels: Record<string, string>): boolean {
    const owner = taskOfLabels(labels);
    if (!owner) return false;
    try {
      return this.runs.task(owner.pipelineId, owner.runId, owner.taskId).state !== 'complete';
    } catch {
      return false; // no such run or task in this data directory
    }
  }
}

export const ORPHAN_REAPER = token<OrphanReaper>('gofer.orphan-reaper');
