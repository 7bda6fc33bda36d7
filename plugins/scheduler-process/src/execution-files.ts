/**
 * One directory per task execution under the plugin's data directory. Everything a fresh
 * scheduler instance needs to find a process started by an earlier one lives here:
 * `meta.json`, `stdout`, `stderr`, `exit` (appended to by the wrapper shell when the task ends:
 * its first line counts; empty until then),
 * `cancelled` (written by stopContainer) and `output` (the task's `$GOFER_OUTPUT`, written by the
 * task itself, if at all).
 */
import { createHash } from 'node:crypto';
import { constants, lstatSync, readFileSync } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** What is recorded when a task starts. */
export interface ExecutionMeta {
  id: string;
  image: string;
  argv: string[];
  /** The wrapper shell's pid: alive while the task runs. */
  wrapperPid: number;
  startedAt: number;
  labels: Record<string, string>;
  /** The task's secrets, `ENV -> location` (locations only, never values). */
  secrets?: Record<string, string>;
}

/** Deterministic, file-system-safe scheduler id for a task execution id. */
export function executionNameFor(id: string): string {
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,150}$/.test(id)) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  return `${id
    .replace(/[^a-zA-Z0-9_.-]/g, '-')
    .replace(/^[^a-zA-Z0-9]/, 'x')
    .slice(0, 140)}-${hash}`;
}

/** Paths of one execution directory. */
export function executionPaths(root: string, name: string) {
  const dir = join(root, name);
  return {
    dir,
    meta: join(dir, 'meta.json'),
    /** The task's process group, recorded by the wrappers of earlier versions only. */
    pid: join(dir, 'pid'),
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
    exit: join(dir, 'exit'),
    cancelled: join(dir, 'cancelled'),
    /** `$GOFER_OUTPUT`: the task's outputs, when it writes any. Removed with the execution. */
    output: join(dir, 'output'),
  };
}

/** The paths object returned by {@link executionPaths}. */
export type ExecutionPaths = ReturnType<typeof executionPaths>;

/** Reads a small file, or undefined when it does not exist (yet). */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** {@link readOptional} for files of a few bytes (the exit code), read without a thread-pool round trip. */
export function readSmallFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True while a process with this pid exists (one of another user's answers EPERM: it exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True while the wrapper shell of this execution is alive. The command line is checked too,
 * so a recycled pid is not taken for the task.
 */
export function wrapperAlive(meta: ExecutionMeta, dir: string): boolean {
  if (!processAlive(meta.wrapperPid)) return false;
  try {
    return readFileSync(`/proc/${meta.wrapperPid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return true; // no /proc: trust the signal probe
  }
}

/**
 * The first `limit` bytes of the regular file at `path`: no `bytes` when nothing is there (never
 * written), `notAFile` when something else is (a directory, a FIFO, a symlink: not followed; a
 * FIFO's open does not block either). Reads no more than `limit` bytes, however big the file is.
 */
export async function readFileStart(path: string, limit: number): Promise<{ bytes?: Uint8Array; notAFile?: boolean }> {
  // Most tasks write no outputs: a synchronous look (microseconds) spares them the thread pool.
  if (!lstatSync(path, { throwIfNoEntry: false })) return {};
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    if (code === 'ELOOP') return { notAFile: true };
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { notAFile: true };
    // The task has ended: the file no longer grows, so its size bounds the buffer.
    const size = Math.min(limit, stat.size);
    const buffer = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, filled) };
  } finally {
    await handle.close();
  }
}
