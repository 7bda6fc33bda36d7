/**
 * Task logs: one file per task attempt under `<dataDir>/logs/<pipeline>/<run>/<task>.log` for the
 * first attempt and `<task>.attempt-<n>.log` for retries (task ids have no dot, so no clash)
 * (a temporary directory when the data directory is `:memory:`). Writers append as output
 * arrives; readers get the stored bytes and, with follow, the live ones until the task ends.
 * Files are created on the first byte, so tasks without output cost no file.
 *
 * Memory: writes are synchronous and unbuffered, so a chunk is on disk (in the page cache) before
 * the next one is read from the scheduler; readers read the file in 64 KiB pieces at their own
 * pace. A log of any size costs a chunk per writer and per reader, never the log.
 *
 * Disk: a writer stops (throws {@link LogWriteFailedError}) when a write fails (a full disk) or
 * when the log disk's free space falls below `logDiskReserveMb`, checked before the first write
 * and then after every {@link RESERVE_CHECK_BYTES} written, so the database can still commit the
 * task's end. The file keeps what was written up to then.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GoferConfig } from '../api/index.js';
import { onAbort } from '../kernel/abortable.js';
import { injectable, token } from '../kernel/di.js';
import type { Lifecycle } from '../kernel/lifecycle.js';
import { CONFIG, LIFECYCLE } from '../kernel/tokens.js';

/** Appends one task execution's output. */
export interface LogWriter {
  write(data: Uint8Array): void;
  /** Ends the live stream (followers finish once they have read everything). */
  close(): void;
}

/** A task's output could not be written (disk full, or below the reserve): the task must end. */
export class LogWriteFailedError extends Error {
  override readonly name = 'LogWriteFailedError';
}

/** Free space is checked again after this many bytes (so one writer overshoots the reserve by at most this). */
export const RESERVE_CHECK_BYTES = 1024 * 1024;

const MIB = 1024 * 1024;

type Waiter = () => void;

/** The in-memory key of a task execution's log (cheaper than building its path). */
const keyOf = (pipelineId: string, runId: number, taskId: string, attempt = 1) => `${pipelineId}\0${runId}\0${taskId}\0${attempt}`;

/** The file name of one attempt's log: attempt 1 keeps the name logs had before retries. */
const fileName = (taskId: string, attempt: number) => (attempt <= 1 ? `${taskId}.log` : `${taskId}.attempt-${attempt}.log`);

/** Task log files; see the file comment. */
@injectable(CONFIG, LIFECYCLE)
export class LogStore {
  readonly root: string;
  /** Keys with a writer open now. */
  private readonly live = new Set<string>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly reserveBytes: number;

  constructor(config: GoferConfig, lifecycle: Lifecycle) {
    this.reserveBytes = config.logDiskReserveMb * MIB;
    if (config.dataDir === ':memory:') {
      this.root = mkdtempSync(join(tmpdir(), 'gofer-logs-'));
      lifecycle.onClose('stores', 'temporary task logs', () => rmSync(this.root, { recursive: true, force: true }));
    } else {
      this.root = join(config.dataDir, 'logs');
      mkdirSync(this.root, { recursive: true });
    }
  }

  /** The log file of a task execution's attempt (default the first). */
  path(pipelineId: string, runId: number, taskId: string, attempt = 1): string {
    return join(this.root, pipelineId, String(runId), fileName(taskId, attempt));
  }

  /**
   * Opens a writer. `fresh` discards what is stored (a re-attached container's output is read
   * again from its beginning, so the file is rewritten rather than appended twice).
   */
  writer(pipelineId: string, runId: number, taskId: string, fresh = true, attempt = 1): LogWriter {
    const key = keyOf(pipelineId, runId, taskId, attempt);
    // Built on the first byte: a task without output needs no path.
    let file: string | undefined;
    let fd: number | undefined;
    let failed = false;
    let sinceCheck = RESERVE_CHECK_BYTES; // check before the first write
    this.live.add(key);
    this.notify(key);
    return {
      write: (data) => {
        // After a failure the task is being stopped: what still arrives is dropped.
        if (data.byteLength === 0 || failed) return;
        try {
          if (sinceCheck >= RESERVE_CHECK_BYTES) {
            sinceCheck = 0;
            this.checkReserve();
          }
          if (fd === undefined) {
            file = this.path(pipelineId, runId, taskId, attempt);
            mkdirSync(join(this.root, pipelineId, String(runId)), { recursive: true });
            // 'w': a re-attached container's output is read again from its beginning.
            fd = openSync(file, fresh ? 'w' : 'a');
          }
          // writeSync may write part of a buffer (a disk filling up): write the rest, or fail.
          for (let done = 0; done < data.byteLength;) done += writeSync(fd, data, done, data.byteLength - done);
          sinceCheck += data.byteLength;
        } catch (err) {
          failed = true;
          if (err instanceof LogWriteFailedError) throw err;
          throw new LogWriteFailedError(
            `writing the task's output to ${file ?? this.path(pipelineId, runId, taskId, attempt)} failed (${(err as Error).message}); the task was stopped. Free space on the log disk, then run it again`,
            { cause: err },
          );
        } finally {
          this.notify(key);
        }
      },
      close: () => {
        try {
          if (fd !== undefined) closeSync(fd);
        } catch {
          // Nothing is buffered in the process: a failing close loses nothing more.
        }
        fd = undefined;
        this.live.delete(key);
        this.notify(key);
      },
    };
  }

  /** Throws when the log disk's free space is below the reserve (nothing to check with a reserve of 0). */
  private checkReserve(): void {
    if (this.reserveBytes === 0) return;
    const fs = statfsSync(this.root);
    const free = fs.bavail * fs.bsize;
    if (free < this.reserveBytes) {
      throw new LogWriteFailedError(
        `the log disk (${this.root}) has ${(free / MIB).toFixed(1)} MiB free, less than the reserve of ${this.reserveBytes / MIB} MiB (logDiskReserveMb) kept so the database can still commit; the task's output is no longer written and the task was stopped. Free space on the log disk (or lower logDiskReserveMb), then run it again`,
      );
    }
  }

  /** Wakes followers of a task (also called when a task completes without output). */
  touch(pipelineId: string, runId: number, taskId: string, attempt = 1): void {
    this.notify(keyOf(pipelineId, runId, taskId, attempt));
  }

  /**
   * The stored output, then (with `follow`) live output until `isDone()` says the task has
   * completed and no writer is open, or `signal` aborts.
   */
  async *read(
    pipelineId: string,
    runId: number,
    taskId: string,
    opts: { follow?: boolean; signal?: AbortSignal; isDone?: () => boolean; attempt?: number } = {},
  ): AsyncIterable<Uint8Array> {
    const key = keyOf(pipelineId, runId, taskId, opts.attempt);
    const file = this.path(pipelineId, runId, taskId, opts.attempt);
    let offset = 0;
    const buffer = Buffer.alloc(64 * 1024);
    const drain = function* (this: LogStore): Generator<Uint8Array> {
      if (!existsSync(file)) return;
      const fd = openSync(file, 'r');
      try {
        for (;;) {
          const n = readSync(fd, buffer, 0, buffer.length, offset);
          if (n === 0) return;
          offset += n;
          yield Buffer.from(buffer.subarray(0, n));
        }
      } finally {
        closeSync(fd);
      }
    }.bind(this);
    if (!opts.follow) {
      yield* drain();
      return;
    }
    const { signal } = opts;
    for (;;) {
      // Register before reading so a write between the read and the wait still wakes us.
      let wake!: Waiter;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      this.waiters.set(key, set);
      set.add(wake);
      const leave = signal ? onAbort(signal, () => wake()) : undefined;
      try {
        const done = !this.live.has(key) && (opts.isDone?.() ?? true);
        yield* drain();
        if (done || signal?.aborted) return;
        await woken;
        if (signal?.aborted) return;
      } finally {
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(key);
        leave?.();
      }
    }
  }

  /** Deletes the logs of one run. */
  deleteRun(pipelineId: string, runId: number): void {
    rmSync(join(this.root, pipelineId, String(runId)), { recursive: true, force: true });
  }

  /** Deletes every log of a pipeline. */
  deletePipeline(pipelineId: string): void {
    rmSync(join(this.root, pipelineId), { recursive: true, force: true });
  }

  private notify(key: string): void {
    const set = this.waiters.get(key);
    if (set) for (const wake of [...set]) wake();
  }
}

export const LOG_STORE = token<LogStore>('gofer.log-store');
