/**
 * The better-sqlite3 driver, for Node 20 (which has no `node:sqlite`). Loaded only when chosen,
 * so Node 22 and 24 never load its native module. better-sqlite3's own Database already has the
 * store interface's shape; it is returned as is, tagged with the driver's name.
 *
 * better-sqlite3 12 must not run on Node 24: Node 24's `node::ObjectWrap` removes an
 * environment cleanup hook when a wrapped object is destroyed, and a statement the garbage
 * collector finalizes outside a JavaScript context (an idle-time GC, the teardown at exit) then
 * fails `Assertion failed: (env) != nullptr` and aborts the process (SIGABRT). better-sqlite3 13
 * no longer uses ObjectWrap, but it needs Node 22.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { GoferError } from '../api/index.js';
import type { SqliteDatabase } from './sqlite-database.js';

const require = createRequire(import.meta.url);
let loaded: typeof BetterSqlite3 | undefined;

function load(): typeof BetterSqlite3 {
  if (loaded) return loaded;
  const major = Number(process.versions.node.split('.')[0]);
  let version: string;
  try {
    version = (require('better-sqlite3/package.json') as { version: string }).version;
  } catch (cause) {
    throw new GoferError(
      'ERR_SQLITE_DRIVER_UNAVAILABLE',
      `Gofer needs better-sqlite3 on Node ${process.versions.node} (which has no node:sqlite Gofer can use), and it is not installed. Install it (npm install better-sqlite3@12; it compiles a native module) or run Gofer on Node 22.16+ or 24, which need no native module.`,
      { cause, details: { node: process.versions.node } },
    );
  }
  if (major >= 24 && Number(version.split('.')[0]) < 13) {
    throw new GoferError(
      'ERR_SQLITE_DRIVER_UNAVAILABLE',
      `better-sqlite3 ${version} aborts the process on Node ${process.versions.node} (a native assertion when it finalizes a statement). Use the node:sqlite driver (unset GOFER_SQLITE_DRIVER) or better-sqlite3 13 or later.`,
      { details: { node: process.versions.node, betterSqlite3: version } },
    );
  }
  try {
    loaded = require('better-sqlite3') as typeof BetterSqlite3;
    return loaded;
  } catch (cause) {
    throw new GoferError(
      'ERR_SQLITE_DRIVER_UNAVAILABLE',
      `better-sqlite3 ${version} is installed but does not load on Node ${process.versions.node}: ${(cause as Error).message.split('\n')[0]}. Rebuild it for this Node (npm rebuild better-sqlite3).`,
      { cause, details: { node: process.versions.node, betterSqlite3: version } },
    );
  }
}

/** Opens a database with better-sqlite3. Throws ERR_SQLITE_DRIVER_UNAVAILABLE when it cannot load. */
export function openBetterSqlite3(path: string, options: { readOnly?: boolean } = {}): SqliteDatabase {
  const Database = load();
  const db = new Database(path, options.readOnly ? { readonly: true } : {});
  Object.defineProperty(db, 'driver', { value: 'better-sqlite3', enumerable: false });
  return db as unknown as SqliteDatabase;
}
