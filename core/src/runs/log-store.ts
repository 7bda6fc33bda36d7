/**
 * Task logs: one file per task execution under `<dataDir>/logs/<pipeline>/<run>/<task>.log`
 * (a temporary directory when the data directory is `:memory:`). Writers append as output
 * arrives; readers get the stored bytes and, with follow, the live ones until the task ends.
 * Files are created on the first byte, so tasks without output cost no file.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, injectable } from 'tsyringe';
import type { GoferConfig } from '../api/index.js';
import { CONFIG, LIFECYCLE } from '../kernel/tokens.js';
import type { Lifecycle } from '../kernel/lifecycle.js';

/** Appends one task execution's output. */
export interface LogWriter {
  write(data: Uint8Array): void;
  /** Ends the live stream (followers finish once they have read everything). */
  close(): void;
}

type Waiter = () => void;

/** The in-memory key of a task execution's log (cheaper than building its path). */
const keyOf = (pipelineId: string, runId: number, taskId: string) => `${pipelineId}\0${runId}\0${taskId}`;

/** Task log files (register: LOG_STORE); see the file comment. */
@injectable()
export class LogStore {
  readonly root: string;
  /** Keys with a writer open now. */
  private readonly live = new Set<string>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(@inject(CONFIG) config: GoferConfig, @inject(LIFECYCLE) lifecycle: Lifecycle) {
    if (config.dataDir === ':memory:') {
      this.root = mkdtempSync(join(tmpdir(), 'gofer-logs-'));
      lifecycle.onClose('stores', 'temporary task logs', () => rmSync(this.root, { recursive: true, force: true }));
    } else {
      this.root = join(config.dataDir, 'logs');
      mkdirSync(this.root, { recursive: true });
    }
  }

  /** The log file of a task execution. */
  path(pipelineId: string, runId: number, taskId: string): string {
    return join(this.root, pipelineId, String(runId), `${taskId}.log`);
  }

  /**
   * Opens a writer. `fresh` discards what is stored (a re-attached container's output is read
   * again from its beginning, so the file is rewritten rather than appended twice).
   */
  writer(pipelineId: string, runId: number, taskId: string, fresh = true): LogWriter {
    const key = keyOf(pipelineId, runId, taskId);
    let fd: number | undefined;
    this.live.add(key);
    this.notify(key);
    return {
      write: (data) => {
        if (data.byteLength === 0) return;
        if (fd === undefined) {
          mkdirSync(join(this.root, pipelineId, String(runId)), { recursive: true });
          // 'w': a re-attached container's output is read again from its beginning.
          fd = openSync(this.path(pipelineId, runId, taskId), fresh ? 'w' : 'a');
        }
        writeSync(fd, data);
        this.notify(key);
      },
      close: () => {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
        this.live.delete(key);
        this.notify(key);
      },
    };
  }

  /** Wakes followers of a task (also called when a task completes without output). */
  touch(pipelineId: string, runId: number, taskId: string): void {
    this.notify(keyOf(pipelineId, runId, taskId));
  }

  /**
   * The stored output, then (with `follow`) live output until `isDone()` says the task has
   * completed and no writer is open, or `signal` aborts.
   */
  async *read(pipelineId: string, runId: number, taskId: string, opts: { follow?: boolean; signal?: AbortSignal; isDone?: () => boolean } = {}): AsyncIterable<Uint8Array> {
    const key = keyOf(pipelineId, runId, taskId);
    const file = this.path(pipelineId, runId, taskId);
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
      const onAbort = () => wake();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const done = !this.live.has(key) && (opts.isDone?.() ?? true);
        yield* drain();
        if (done || signal?.aborted) return;
        await woken;
        if (signal?.aborted) return;
      } finally {
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(key);
        signal?.removeEventListener('abort', onAbort);
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
