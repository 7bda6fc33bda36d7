/**
 * Which SQLite driver runs: `node:sqlite` when the runtime has a usable one (Node 22.16+, 24),
 * better-sqlite3 otherwise (Node 20). `GOFER_SQLITE_DRIVER=node:sqlite|better-sqlite3` forces
 * one, to compare them or to work around a driver problem; nothing else in Gofer depends on
 * which one it is.
 */
import { GoferError } from '../api/index.js';
import { openBetterSqlite3 } from './better-sqlite3-driver.js';
import { nodeSqliteClass, openNodeSqlite } from './node-sqlite-driver.js';
import type { SqliteDatabase, SqliteDriverName } from './sqlite-database.js';

const DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

/** The driver `openSqlite` uses in this process. */
export function sqliteDriverName(env: NodeJS.ProcessEnv = process.env): SqliteDriverName {
  const forced = env.GOFER_SQLITE_DRIVER;
  if (forced) {
    if (!DRIVERS.includes(forced as SqliteDriverName)) {
      throw new GoferError('ERR_SQLITE_DRIVER_UNAVAILABLE', `GOFER_SQLITE_DRIVER is "${forced}"; use one of ${DRIVERS.join(', ')}, or unset it.`, {
        details: { driver: forced },
      });
    }
    if (forced === 'node:sqlite' && !nodeSqliteClass()) {
      throw new GoferError(
        'ERR_SQLITE_DRIVER_UNAVAILABLE',
        `GOFER_SQLITE_DRIVER=node:sqlite, but Node ${process.versions.node} has no node:sqlite Gofer can use (it needs Node 22.16+ or 24). Unset it to use better-sqlite3.`,
        { details: { driver: forced, node: process.versions.node } },
      );
    }
    return forced as SqliteDriverName;
  }
  return nodeSqliteClass() ? 'node:sqlite' : 'better-sqlite3';
}

/** Opens (creating when needed, unless read-only) the SQLite file at `path`, or `:memory:`. */
export function openSqlite(path: string, options: { readOnly?: boolean; driver?: SqliteDriverName } = {}): SqliteDatabase {
  const driver = options.driver ?? sqliteDriverName();
  return driver === 'node:sqlite' ? openNodeSqlite(path, options) : openBetterSqlite3(path, options);
}
