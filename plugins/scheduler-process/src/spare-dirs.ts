/**
 * Execution directories kept for reuse. Allocating an inode (a new file or directory) is the
 * dear part of an execution's files: about 0.35 ms of CPU each on the ext4 disk measured, against
 * 0.01 to 0.03 ms to rename, truncate or unlink one, and a task made five (its directory,
 * `meta.json`, `stdout`, `stderr`, `exit`). So a removed execution's directory is renamed into a
 * pool at once and made ready there in the background (on libuv's thread pool, off the event
 * loop): `meta.json` and `exit` are kept and emptied, everything else is deleted, and `stdout` and
 * `stderr` are made new, because a process the task left running may still hold the old ones
 * open and must never write into another execution's logs. A new execution renames a ready one
 * into place, and the wrapper's redirections only truncate what is there (an empty file: nothing
 * to free). Only the rename is done at once: freeing a file's blocks (truncating or deleting a
 * file that was written back) waits on the disk, 2 ms and more on the disk measured, so the
 * rest runs on the thread pool.
 *
 * Each instance keeps its pool in a directory of its own (`<pid>-<random>`), deleted on close;
 * one left by a process that is gone is deleted by the next instance.
 */
import { randomBytes } from 'node:crypto';
import { close, mkdirSync, open, renameSync } from 'node:fs';
import { lstat, readdir, rm, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Files a ready spare holds, all empty: those kept from the execution, then those made new. */
const KEPT = ['meta.json', 'exit'];
const FRESH = ['stdout', 'stderr'];

/** How many directories a pool holds at most (ready or being made ready). */
const DEFAULT_LIMIT = 64;

const removeTree = (path: string) => rm(path, { recursive: true, force: true }).catch(() => undefined);

/** Makes a new empty file (it must not exist), through the thread pool. */
const createEmpty = (path: string) =>
  new Promise<void>((resolve, reject) =>
    open(path, 'wx', (err, fd) => (err ? reject(err) : close(fd, (closeErr) => (closeErr ? reject(closeErr) : resolve())))),
  );

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
   * directory whose wrapper has exited may be given: nothing may write its `exit` any more.
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

  /** Empties the kept files, deletes everything else and makes the fresh files; throws when the directory cannot be reused. */
  private async prepare(spare: string): Promise<void> {
    const kept = new Set<string>();
    const entries = await readdir(spare, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(spare, entry.name);
        // A regular file with no other name: truncating it cannot reach anything else.
        if (KEPT.includes(entry.name) && entry.isFile() && (await lstat(path)).nlink === 1) {
          await truncate(path);
          kept.add(entry.name);
        } else if (entry.isDirectory()) await rm(path, { recursive: true, force: true });
        else await unlink(path);
      }),
    );
    await Promise.all([...KEPT.filter((name) => !kept.has(name)), ...FRESH].map((name) => createEmpty(join(spare, name))));
  }

  /** Deletes the pools of instances whose process is gone. */
  private async sweepAbandoned(): Promise<void> {
    const pools = await readdir(this.parent).catch(() => [] as string[]);
    for (const pool of pools) {
      const pid = Number.parseInt(pool, 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) await removeTree(join(this.parent, pool));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
