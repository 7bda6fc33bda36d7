/**
 * Follows one started container to its end: streams its output (secrets masked) into the log
 * file, enforces the task's timeout, carries out stop requests (cancel), and turns the final
 * container state into the task's status. No timers poll while output flows: the log stream's
 * end is the signal; `getState` is polled (with backoff) only if the container still runs after
 * its output ended.
 */
import {
  isGoferError,
  type Clock,
  type ClockTimer,
  type Logger,
  type Scheduler,
  type ContainerStatus,
  type TaskExecutionReason,
  type TaskExecutionStatus,
} from '../api/index.js';
import { withDeadline } from '../kernel/deadline.js';
import { sleep, untilAborted } from '../kernel/abortable.js';
import { LogWriteFailedError, type LogWriter } from '../logs/log-store.js';
import { SecretMasker } from '../api/secret-masker.js';

/** How a task ended. */
export interface TaskOutcome {
  status: TaskExecutionStatus;
  reason?: { reason: TaskExecutionReason; description: string };
  exitCode?: number;
  /**
   * True when the log file holds everything the container will ever give: its output was read
   * to the end, or the container is gone. False when reading failed half-way: the container
   * still has output the log file lacks.
   */
  logsComplete: boolean;
}

/** What a TaskWatcher needs to follow one container. */
export interface TaskWatcherOptions {
  scheduler: Scheduler;
  schedulerId: string;
  /** Aborts when Gofer closes: stop watching, decide nothing. */
  signal: AbortSignal;
  stopTimeoutMs: number;
  /** 0: no limit. */
  timeoutMs: number;
  startedAt: number;
  /** Whose time `startedAt` and `timeoutMs` are on. */
  clock: Clock;
  openWriter: () => LogWriter;
  secretValues: string[];
  /** True when re-attaching after a restart: a vanished container is reported as orphaned. */
  reattach: boolean;
  logger: Logger;
  /** How long one getState call may take before it counts as a failed attempt (default 30 s). */
  stateDeadlineMs?: number;
}

/** Consecutive getState failures (other than "no such container") before giving up. */
const MAX_STATE_ERRORS = 8;

/**
 * A getState call that has not answered by then counts as a failed attempt: an engine that
 * hangs a request (one seen restarting, say) must not hold a task, and its run, forever.
 */
const STATE_DEADLINE_MS = 30_000;

/** Watches one started container until it ends (see the file comment). */
export class TaskWatcher {
  private stopReason: 'cancel' | 'timeout' | 'log_write_failed' | undefined;
  private logFailure: LogWriteFailedError | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: TaskWatcherOptions) {}

  /** Asks the scheduler to stop the container (graceful, then forced after the stop timeout). */
  stop(why: 'cancel' | 'timeout' | 'log_write_failed'): void {
    if (this.stopReason) return;
    this.stopReason = why;
    this.stopping = this.o.scheduler.stopContainer({ schedulerId: this.o.schedulerId, timeoutMs: this.o.stopTimeoutMs }).catch((err: Error) => {
      if (!isGoferError(err, 'ERR_NO_SUCH_CONTAINER')) this.o.logger.warn('stopping the container failed', { error: err.message });
    });
  }

  /** Resolves with the outcome, or undefined when Gofer closed first. */
  async run(): Promise<TaskOutcome | undefined> {
    const { scheduler, schedulerId, signal } = this.o;
    if (this.o.reattach) {
      const state = await this.state();
      if (signal.aborted) return undefined;
      if (state.state === 'unknown') {
        return {
          status: 'unknown',
          reason: { reason: 'orphaned', description: state.reason ?? `the container ${schedulerId} vanished while Gofer was not running` },
          logsComplete: true,
        };
      }
    }
    const { clock } = this.o;
    let timer: ClockTimer | undefined;
    if (this.o.timeoutMs > 0) {
      const left = Math.max(0, this.o.startedAt + this.o.timeoutMs - clock.now());
      timer = clock.setTimeout(() => this.stop('timeout'), left);
    }
    try {
      const writer = this.o.openWriter();
      const masker = new SecretMasker(this.o.secretValues);
      let logsComplete = true;
      try {
        for await (const chunk of untilAborted(await scheduler.getLogs({ schedulerId }), signal)) writer.write(masker.push(chunk.data));
      } catch (err) {
        if (err instanceof LogWriteFailedError) logsComplete = this.logWriteFailed(err);
        else if (!isGoferError(err, 'ERR_NO_SUCH_CONTAINER')) {
          logsComplete = false;
          this.o.logger.warn('reading the container output failed', { error: (err as Error).message });
        }
      }
      // The catch above ends every failure of the loop, so this always runs.
      try {
        writer.write(masker.flush());
      } catch (err) {
        // The writer reports each of its failures as a LogWriteFailedError.
        logsComplete = this.logWriteFailed(err as LogWriteFailedError);
      } finally {
        writer.close();
      }
      if (signal.aborted) return undefined;
      let state = await this.state();
      for (let wait = 20; state.state === 'running' && !signal.aborted; wait = Math.min(wait * 2, 1000)) {
        await sleep(wait, signal);
        state = await this.state();
      }
      if (signal.aborted) return undefined;
      await this.stopping;
      return { ...this.outcome(state), logsComplete };
    } finally {
      if (timer) clock.clearTimeout(timer);
    }
  }

  /**
   * The output can no longer be kept: running on blind would only fill the disk further (or
   * lose output unseen), so the container is stopped. It is kept afterwards (the engine still
   * has its output): answers `logsComplete` false.
   */
  private logWriteFailed(err: LogWriteFailedError): false {
    this.logFailure = err;
    this.o.logger.error("the task's output could not be written; stopping the task", { error: err.message });
    this.stop('log_write_failed');
    return false;
  }

  private outcome(state: ContainerStatus): Omit<TaskOutcome, 'logsComplete'> {
    // Whatever the container did, its output is incomplete: that is what the user must see.
    if (this.logFailure) return { status: 'failed', reason: { reason: 'log_write_failed', description: this.logFailure.message }, ...exit(state) };
    if (this.stopReason === 'timeout') {
      return {
        status: 'failed',
        reason: { reason: 'timeout', description: `the task ran longer than its timeout of ${this.o.timeoutMs} ms and was stopped` },
        ...exit(state),
      };
    }
    if (this.stopReason === 'cancel' || state.state === 'cancelled') {
      return { status: 'cancelled', reason: { reason: 'cancelled', description: 'the container was stopped because the run was cancelled' }, ...exit(state) };
    }
    if (state.state === 'exited') {
      if (state.exitCode === 0) return { status: 'successful', exitCode: 0 };
      return {
        status: 'failed',
        reason: {
          reason: 'abnormal_exit',
          description: `the container exited with code ${state.exitCode ?? 'unknown'}${state.reason ? `: ${state.reason}` : ''}`,
        },
        ...exit(state),
      };
    }
    return {
      status: 'unknown',
      reason: { reason: 'orphaned', description: state.reason ?? `the scheduler no longer knows the container ${this.o.schedulerId}` },
    };
  }

  /** getState, with "no such container" as `unknown` and transient failures (or hangs) retried. */
  private async state(): Promise<ContainerStatus> {
    const deadlineMs = this.o.stateDeadlineMs ?? STATE_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await withDeadline(
          this.o.scheduler.getState({ schedulerId: this.o.schedulerId }),
          deadlineMs,
          () => new Error(`the scheduler's getState for ${this.o.schedulerId} did not answer within ${deadlineMs} ms`),
        );
      } catch (err) {
        if (isGoferError(err, 'ERR_NO_SUCH_CONTAINER') || attempt >= MAX_STATE_ERRORS || this.o.signal.aborted) return { state: 'unknown' };
        this.o.logger.warn('reading the container state failed; trying again', { attempt, error: (err as Error).message });
        await sleep(Math.min(50 * 2 ** attempt, 2000), this.o.signal);
      }
    }
  }
}

function exit(state: ContainerStatus): { exitCode?: number } {
  return state.exitCode === undefined ? {} : { exitCode: state.exitCode };
}
