/**
 * Group commit: the hot write paths (events, run and task state) share one SQLite transaction
 * per event-loop turn instead of committing every statement. `begin()` opens the shared
 * transaction (if none is open) and schedules its commit with setImmediate; code that must not
 * act before its writes are on disk (the orchestrator before startContainer) awaits
 * `durable()`, which resolves after that commit. Other modules' `db.transaction()` calls nest
 * inside as savepoints, so they need not know about it.
 */
import type { Logger } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { LOGGER } from '../kernel/tokens.js';
import { DATABASE, type SqliteDatabase } from './database.js';

/** One shared transaction per event-loop turn (see the file comment). */
@injectable(DATABASE, LOGGER)
export class GroupCommit {
  private scheduled = false;
  private waiters: Array<() => void> = [];

  /** A failed commit is logged and retried shortly after (nothing is dropped). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly logger: Logger,
  ) {}

  /** Call before a write: joins (or opens) this turn's transaction. */
  begin(): void {
    if (!this.db.inTransaction) this.db.exec('BEGIN');
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.commit);
    }
  }

  /** Resolves once everything written so far is committed. */
  durable(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Runs `fn` once everything written so far is committed: at once when nothing is pending,
   * otherwise right after the commit, in the order the calls were made. The event bus
   * delivers events this way, so a listener never sees an event a crash could still lose.
   */
  afterCommit(fn: () => void): void {
    if (!this.scheduled) fn();
    else this.waiters.push(fn);
  }

  /** Commits now (on close). */
  flush(): void {
    if (this.scheduled) this.commit();
  }

  private readonly commit = (): void => {
    if (!this.scheduled) return;
    try {
      if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
    } catch (err) {
      // SQLITE_BUSY past busy_timeout, a full disk...: keep the transaction and try again.
      this.logger.error('committing to the database failed; retrying', { error: (err as Error).message });
      setTimeout(this.commit, 100);
      return;
    }
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const fn of waiters) {
      try {
        fn();
      } catch {
        // A callback's failure must not stop the others (event listeners guard themselves too).
      }
    }
  };
}

export const GROUP_COMMIT = token<GroupCommit>('gofer.group-commit');
