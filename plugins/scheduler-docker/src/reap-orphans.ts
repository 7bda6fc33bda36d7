/** Finds and removes containers that carry Gofer's labels but belong to no live task execution. */
import { GoferError, type Scheduler } from '@gofer/core/api';

/** What {@link reapOrphans} needs to know. */
export interface ReapOrphansOptions {
  /** Scheduler ids the core still owns (task executions of unfinished runs). These are kept. */
  liveIds: Iterable<string>;
  /** Only consider containers that also carry these labels (e.g. one pipeline). */
  labels?: Record<string, string>;
}

/**
 * Removes every container the scheduler lists (it adds its own "managed by Gofer" labels)
 * whose scheduler id is not in `liveIds`, and returns the removed ids. Call it on start-up,
 * once recovery knows the live runs, and on demand.
 */
export async function reapOrphans(scheduler: Scheduler, options: ReapOrphansOptions): Promise<string[]> {
  if (!scheduler.listContainers || !scheduler.removeContainer) {
    throw new GoferError('ERR_INVALID_ARGUMENT', 'This scheduler cannot list or remove containers, so it cannot reap orphans.');
  }
  const live = new Set(options.liveIds);
  const found = await scheduler.listContainers({ labels: options.labels ?? {} });
  const orphans = found.map((c) => c.schedulerId).filter((id) => !live.has(id));
  for (const schedulerId of orphans) await scheduler.removeContainer({ schedulerId });
  return orphans;
}
