/** Opens Gofer's SQLite database: one file `<dataDir>/gofer.db` in WAL mode, or in memory. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { GoferError } from '../api/index.js';

/** The database file's path for a data directory (`:memory:` stays in memory). */
export function databasePath(dataDir: string): string {
  return dataDir === ':memory:' ? ':memory:' : join(dataDir, 'gofer.db');
}

/**
 * Opens (creating when needed) the database. WAL lets readers run beside the single writer;
 * `synchronous = NORMAL` is durable across a process crash (the WAL is on disk), which is what
 * crash recovery relies on, without an fsync per commit.
 */
export function openDatabase(dataDir: string): Database {
  const path = databasePath(dataDir);
  try {
    if (path !== ':memory:') mkdirSync(dataDir, { recursive: true });
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (cause) {
    throw new GoferError('ERR_INTERNAL', `Cannot open the Gofer database at ${path}: ${(cause as Error).message}. Check that the data directory is writable.`, { cause, details: { path } });
  }
}
