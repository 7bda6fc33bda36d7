/**
 * Container cleanup is the core's: only the core knows when it has everything a container can
 * give (the task's final state is recorded and its output is in the log file), so only the core
 * asks the scheduler to remove it, as `removeAfterExit` says. The completion is made durable
 * first: a core killed between the two leaves a container of a finished task, which the orphan
 * reaper removes at the next start.
 */
import { isGoferError, type Logger, type RemoveAfterExit, type Scheduler, type TaskExecutionStatus } from '../api/index.js';
import { withDeadline } from '../kernel/deadline.js';

/** A removal that has not answered by then is given up on (the reaper gets the container later). */
const REMOVE_DEADLINE_MS = 30_000;

/** True when `policy` wants the container of a task that ended `status` removed. */
export function removalWanted(policy: RemoveAfterExit, status: TaskExecutionStatus): boolean {
  return policy === 'always' || (policy === 'on-success' && status === 'successful');
}

/** The removals one run has asked for; the run completes once they have settled. */
export class ContainerRemovals {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly logger: Logger,
    private readonly deadlineMs = REMOVE_DEADLINE_MS,
  ) {}

  /**
   * Removes a container once `durable()` resolved (the task's completion is on disk). A
   * container that is already gone is fine; other failures are logged, not thrown: the task's
   * outcome stands, and the orphan reaper removes the container at the next start.
   */
  remove(schedulerId: string, durable: () => Promise<void>): void {
    const scheduler = this.scheduler;
    if (!scheduler.removeContainer) return;
    const removeContainer = (req: { schedulerId: string }) => scheduler.removeContainer!(req);
    const removal = (async () => {
      await durable();
      await withDeadline(
        removeContainer({ schedulerId }),
        this.deadlineMs,
        () => new Error(`the scheduler's removeContainer for ${schedulerId} did not answer within ${this.deadlineMs} ms`),
      );
    })()
      .catch((err: unknown) => {
        if (!isGoferError(err, 'ERR_NO_SUCH_CONTAINER'))
          this.logger.warn('could not remove the container of a finished task; the orphan reaper removes it at the next start', {
            schedulerId,
            error: err instanceof Error ? err.message : String(err),
          });
      })
      .finally(() => this.pending.delete(removal));
    this.pending.add(removal);
  }

  /** Resolves once every removal asked for so far has settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
