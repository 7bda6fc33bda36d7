/**
 * A number that moves on every write to the database: SQLite's `total_changes()`, the rows
 * inserted, updated or deleted through this connection since it opened (triggers included). The
 * service has one connection and is the only writer of its data directory (data-dir-lock.ts), so
 * two reads with the same version read the same data. The HTTP API keys its cached answers on it
 * (server/answer-cache.ts). It never goes back: a savepoint rolled back still counts its changes,
 * so the version moves on even when the data returns to an earlier state. (What it does not see:
 * SQLite rolling a whole transaction back by itself after an I/O error or a full disk; the group
 * commit's shared transaction is then lost with its events, and answers kept since its writes may
 * still show them until the next write.)
 */
import type { SqliteDatabase } from './sqlite-database.js';

/** Reads the database's current version (a prepared statement: well under a microsecond). */
export function dataVersionOf(db: SqliteDatabase): () => number {
  const select = db.prepare<[], { v: number }>('SELECT total_changes() AS v');
  return () => select.get()!.v;
}
