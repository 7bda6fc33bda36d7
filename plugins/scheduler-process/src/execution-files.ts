/**
 * One directory per task execution under the plugin's data directory. Everything a fresh
 * scheduler instance needs to find a process started by an earlier one lives here:
 * `meta.json`, `stdout`, `stderr`, `exit` (written by the wrapper shell when the task ends) and
 * `cancelled` (written by stopContainer).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

/**
 * True while the wrapper shell of this execution is alive. The command line is checked too,
 * so a recycled pid is not taken for the task.
 */
export function wrapperAlive(meta: ExecutionMeta, dir: string): boolean {
  try {
    process.kill(meta.wrapperPid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return readFileSync(`/proc/${meta.wrapperPid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return true; // no /proc: trust the signal probe
  }
}
