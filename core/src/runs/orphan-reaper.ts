/**
 * Finds and removes orphans: containers this instance started (label `gofer.instance`) that no
 * unfinished task execution owns, because their task finished (its output is in the log file),
 * their run was deleted, or it never existed in this data directory. Ownership is per task, not
 * per run: a core killed after a task ended but before the scheduler removed its container
 * leaves it behind while the rest of the run is still going, and nothing reads it again.
 * Runs at start-up after recovery, and on demand (`gofer.reapOrphans()`).
 * Schedulers without `listContainers`/`removeContainer` have nothing to reap.
 */
import { inject, injectable } from 'tsyringe';
import { isGoferError, type Logger, type ReapResult, type Scheduler } from '../api/index.js';
import { INSTANCE_ID, LOGGER, RUN_STORE, SCHEDULER } from '../kernel/tokens.js';
import type { RunStore } from './run-store.js';

export const INSTANCE_LABEL = 'gofer.instance';

@injectable()
export class OrphanReaper {
  constructor(
    @inject(SCHEDULER) private readonly scheduler: Scheduler,
    @inject(RUN_STORE) private readonly runs: RunStore,
    @inject(INSTANCE_ID) private readonly instanceId: string,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  async reap(): Promise<ReapResult> {
    const { listContainers, removeContainer } = this.scheduler;
    if (!listContainers || !removeContainer) return { removed: [], kept: 0, supported: false };
    const found = await listContainers.call(this.scheduler, { labels: { [INSTANCE_LABEL]: this.instanceId } });
    const removed: ReapResult['removed'] = [];
    let kept = 0;
    for (const container of found) {
      if (this.ownedByUnfinishedTask(container.labels)) {
        kept++;
        continue;
      }
      try {
        await removeContainer.call(this.scheduler, { schedulerId: container.schedulerId });
        removed.push(container);
      } catch (err) {
        // Gone meanwhile (removed after exit by the scheduler itself): nothing left to reap.
        if (!isGoferError(err, 'ERR_NO_SUCH_CONTAINER')) this.logger.warn('could not remove an orphan container', { schedulerId: container.schedulerId, error: String(err) });
      }
    }
    if (removed.length > 0) this.logger.info('removed orphan containers', { removed: removed.map((c) => c.schedulerId) });
    return { removed, kept, supported: true };
  }

  private ownedByUnfinishedTask(labels: Record<string, string>): boolean {
    const pipelineId = labels['gofer.pipeline'];
    const runId = Number(labels['gofer.run']);
    const taskId = labels['gofer.task'];
    if (!pipelineId || !taskId || !Number.isInteger(runId)) return false;
    try {
      return this.runs.task(pipelineId, runId, taskId).state !== 'complete';
    } catch {
      return false; // no such run or task in this data directory
    }
  }
}
