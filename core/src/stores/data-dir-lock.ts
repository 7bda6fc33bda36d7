/**
 * One Gofer per data directory. Two instances on one directory would both resume its unfinished
 * runs and drive them twice (two containers for one task), so the directory is locked before
 * anything in it is read.
 *
 * Node.js has no flock. The lock is `<dataDir>/gofer.lock` opened as an SQLite database (through
 * the store's own driver, so Node 20, 22 and 24 behave alike) in exclusive locking mode with a
 * write transaction held open: SQLite takes a POSIX lock on the file, which the operating system
 * drops when the process ends however it ends (a SIGKILLed holder blocks nothing), and a second
 * process's `BEGIN EXCLUSIVE` fails at once with SQLITE_BUSY. Two instances in one process
 * conflict the same way (SQLite tracks the locks of every connection of the process).
 *
 * Who holds it is written to `<dataDir>/gofer.lock.json` (pid, and the port once the API
 * listens), only for the refusal's message: the lock itself is the SQLite file. That file is
 * never opened with `fs`: closing any descriptor of a file drops the process's POSIX locks on it.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GoferError, isGoferError } from '../api/index.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { openSqlite } from './sqlite-drivers.js';

/** What the holder writes about itself. */
export interface LockHolder {
  pid: number;
  startedAt: string;
  host?: string;
  port?: number;
}

/** A held lock. */
export interface DataDirLock {
  readonly dataDir: string;
  /** Records the port the holder's API listens on, for the message another start gets. */
  setAddress(host: string, port: number): void;
  /** Releases the lock (idempotent). */
  release(): void;
}

const LOCK_FILE = 'gofer.lock';
const HOLDER_FILE = 'gofer.lock.json';

/**
 * Makes sure `dataDir` is a directory Gofer can use, creating it when needed. Throws ERR_DATA_DIR
 * with the path (a file where the directory should be, no permission, a read-only disk).
 */
export function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (cause) {
    throw dataDirError(dataDir, cause);
  }
  if (!statSync(dataDir).isDirectory()) throw dataDirError(dataDir, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
}

/** ERR_DATA_DIR for a failure on `path` inside (or being) the data directory. */
export function dataDirError(dataDir: string, cause: unknown, path: string = dataDir): GoferError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOTDIR' || code === 'EEXIST'
      ? `${path} is (or is inside) a file, not a directory`
      : code === 'EACCES' || code === 'EPERM'
        ? `no permission to write ${path}`
        : code === 'EROFS'
          ? `${path} is on a read-only file system`
          : `${path}: ${(cause as Error).message}`;
  return new GoferError(
    'ERR_DATA_DIR',
    `The Gofer data directory ${dataDir} cannot be used (${why}). Point dataDir (GOFER_DATA_DIR, --data-dir) at a directory Gofer may write, or fix its permissions.`,
    { cause, details: { dataDir, path, ...(code ? { errno: code } : {}) } },
  );
}

/**
 * Takes the data directory's lock, creating the directory when needed. Throws
 * ERR_DATA_DIR_LOCKED naming the holder when another Gofer has it, ERR_DATA_DIR when the
 * directory cannot be used.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  ensureDataDir(dataDir);
  const lockPath = join(dataDir, LOCK_FILE);
  let db: SqliteDatabase;
  try {
    db = openSqlite(lockPath);
  } catch (cause) {
    if (isGoferError(cause)) throw cause;
    throw dataDirError(dataDir, cause, lockPath);
  }
  try {
    // No wait: a holder that died released its lock with its process; one that lives keeps it.
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (cause) {
    db.close();
    if (isBusy(cause)) throw lockedError(dataDir);
    throw dataDirError(dataDir, cause, lockPath);
  }
  const holder: LockHolder = { pid: process.pid, startedAt: new Date().toISOString() };
  const writeHolder = () => {
    try {
      writeFileSync(join(dataDir, HOLDER_FILE), `${JSON.stringify(holder)}\n`);
    } catch {
      // Only the message of a refused start reads it; the lock holds without it.
    }
  };
  writeHolder();
  let released = false;
  return {
    dataDir,
    setAddress(host, port) {
      holder.host = host;
      holder.port = port;
      writeHolder();
    },
    release() {
      if (released) return;
      released = true;
      // The holder file stays: it is read only while the lock is held, and rewritten by the next holder.
      if (db.open) db.close();
    },
  };
}

function isBusy(err: unknown): boolean {
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || /database is locked/i.test(String((err as Error).message));
}

/** What the holder wrote about itself, when it could be read. */
export function readLockHolder(dataDir: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof parsed.pid === 'number' ? (parsed as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

function lockedError(dataDir: string): GoferError {
  const holder = readLockHolder(dataDir);
  const who = holder
    ? `process ${holder.pid}${holder.port !== undefined ? `, serving on ${holder.host ?? '127.0.0.1'}:${holder.port}` : ''}, started ${holder.startedAt}`
    : 'a process that has not said who it is yet';
  return new GoferError(
    'ERR_DATA_DIR_LOCKED',
    `Another Gofer is using the data directory ${dataDir} (${who}). Only one Gofer may run per data directory: stop that one first${holder ? ` (kill ${holder.pid})` : ''}, or give this one another dataDir (GOFER_DATA_DIR, --data-dir).`,
    { details: { dataDir, ...(holder ? { pid: holder.pid, ...(holder.port !== undefined ? { port: holder.port, host: holder.host } : {}) } : {}) } },
  );
}
