/** Opens Gofer's SQLite database: one file `<dataDir>/gofer.db` in WAL mode, or in memory. */
import { join } from 'node:path';
import { isGoferError } from '../api/index.js';
import { dataDirError, ensureDataDir } from './data-dir-lock.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { openSqlite } from './sqlite-drivers.js';

/** The database file's path for a data directory (`:memory:` stays in memory). */
export function databasePath(dataDir: string): string {
  return dataDir === ':memory:' ? ':memory:' : join(dataDir, 'gofer.db');
}

/**
 * Opens (creating when needed) the database. WAL lets readers run beside the single writer;
 * `synchronous = NORMAL` is durable across a process crash (the WAL is on disk), which is what
 * crash recovery relies on, without an fsync per commit; checkpoints (the fsyncs) come every
 * 16 MB of WAL.
 */
export function openDatabase(dataDir: string): SqliteDatabase {
  const path = databasePath(dataDir);
  if (path !== ':memory:') ensureDataDir(dataDir);
  try {
    const db = openSqlite(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A checkpoint (WAL into the database file, then fsync) runs inside the COMMIT that crosses
    // this many pages and blocks the event loop meanwhile. The default 1,000 pages (4 MB) made one
    // every 60 or so of the orchestrator's commits, about a third of their time on a busy disk;
    // 4,000 (a WAL of about 16 MB) checkpoints a quarter as often, and a page many commits rewrite
    // reaches the database file a quarter as often.
    db.pragma('wal_autocheckpoint = 4000');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (cause) {
    if (isGoferError(cause)) throw cause;
    throw dataDirError(dataDir, cause, path);
  }
}
