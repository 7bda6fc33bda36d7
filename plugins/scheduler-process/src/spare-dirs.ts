/**
 * Execution directories kept for reuse, made ready off the critical path. A task's directory and
 * its files used to be made on the way to its start (the directory and `meta.json` by the event
 * loop, `stdout`, `stderr` and `exit` by the wrapper, before and after the task) and deleted,
 * synchronously, on the way to the next one. On the ext4 disk measured a new directory costs 0.4
 * to 0.8 ms of CPU (an inode and a block), a rename 0.02 ms, and deleting a file whose blocks were
 * written back waits on the disk, 2 ms and more; files made in a directory that held as many
 * before cost far less than the directory. Now a removed execution's directory is
 * renamed into a pool at once (one cheap system call), and there, on libuv's thread pool, every
 * file in it is deleted and the four files an execution starts with are made anew, empty: a
 * process the task left running may still hold its `stdout` open and must never write into
 * another execution's logs, and nothing is truncated in place (so a link a task put there
 * reaches nothing). A new execution renames a ready one into place: the wrapper's redirections
 * find their files there.
 *
 * Each instance keeps its pool in a directory of its own (`<pid>-<random>`), deleted on close;
 * one left by a process that is gone is deleted by the next instance.
 */
import { randomBytes } from 'node:crypto';
import { close, mkdirSync, open, readdirSync, renameSync, unlink } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './execution-files.js';

/** The files a ready spare holds, all empty. */
const FILES = ['meta.json', 'stdout', 'stderr', 'exit'];

/** How many directories a pool holds at most (ready or being made ready). */
const DEFAULT_LIMIT = 64;

const removeTree = (path: string) => rm(path, { recursive: true, force: true }).catch(() => undefined);

/** Makes a new empty file (it must not exist), through the thread pool. */
const createEmpty = (path: string) =>
  new Promise<void>((resolve, reject) =>
    open(path, 'wx', (err, fd) => (err ? reject(err) : close(fd, (closeErr) => (closeErr ? reject(closeErr) : resolve())))),
  );

/** Deletes a file (a directory a task made there: with what it holds), through the thread pool. */
const remove = (path: string, isDirectory: boolean) =>
  isDirectory ? rm(path, { recursive: true, force: true }) : new Promise<void>((resolve, reject) => unlink(path, (err) => (err ? reject(err) : resolve())));

/** The pool of one scheduler instance (see the file comment). */
export class SpareDirs {
  private readonly dir: string;
  private readonly ready: string[] = [];
  private readonly preparing = new Set<Promise<void>>();
  private made = false;
  private closed = false;
  private counter = 0;

  /** `parent` holds the pools of every instance on this data directory. */
  constructor(
    private readonly parent: string,
    private readonly limit = DEFAULT_LIMIT,
  ) {
    this.dir = join(parent, `${process.pid}-${randomBytes(4).toString('hex')}`);
    void this.sweepAbandoned();
  }

  /** Renames a ready spare to `dir` (which must not exist); false when there is none. */
  take(dir: string): boolean {
    for (let spare = this.ready.pop(); spare !== undefined; spare = this.ready.pop()) {
      try {
        renameSync(spare, dir);
        return true;
      } catch {
        void removeTree(spare); // gone or unusable: try the next
      }
    }
    return false;
  }

  /**
   * Moves an ended execution's directory into the pool (it is gone from `dir` when this returns
   * true). False when the pool is full or closed, or the move failed: delete it instead. Only a
   * directory whose wrapper has exited may be given (it would go on writing to its files).
   */
  give(dir: string): boolean {
    if (this.closed || this.ready.length + this.preparing.size >= this.limit) return false;
    const spare = join(this.dir, String(this.counter++));
    try {
      if (!this.made) mkdirSync(this.dir, { recursive: true });
      this.made = true;
      renameSync(dir, spare);
    } catch {
      return false;
    }
    const preparing = this.prepare(spare).then(
      () => {
        if (this.closed) return removeTree(spare);
        this.ready.push(spare);
      },
      () => removeTree(spare),
    );
    const settled = preparing.then(() => void this.preparing.delete(settled));
    this.preparing.add(settled);
    return true;
  }

  /** Resolves once every directory given so far is ready (or dropped, when it could not be). */
  async settled(): Promise<void> {
    await Promise.all([...this.preparing]);
  }

  /** Stops taking directories and deletes the pool. */
  async close(): Promise<void> {
    this.closed = true;
    this.ready.length = 0;
    await this.settled();
    if (this.made) await removeTree(this.dir);
  }

  /** Deletes what the spare holds and makes its files anew; throws when it cannot be reused. */
  private async prepare(spare: string): Promise<void> {
    // Listing is a read of a cached directory, cheaper than a round trip to the thread pool.
    const entries = readdirSync(spare, { withFileTypes: true });
    await Promise.all(entries.map((entry) => remove(join(spare, entry.name), entry.isDirectory())));
    await Promise.all(FILES.map((name) => createEmpty(join(spare, name))));
  }

  /** Deletes the pools of instances whose process is gone. */
  private async sweepAbandoned(): Promise<void> {
    const pools = await readdir(this.parent).catch(() => [] as string[]);
    for (const pool of pools) {
      const pid = Number.parseInt(pool, 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) await removeTree(join(this.parent, pool));
    }
  }
}
