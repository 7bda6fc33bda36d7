/**
 * The SQLite handle every store works through, whichever driver is under it (see
 * sqlite-drivers.ts): Node's built-in `node:sqlite` on Node 22.16+ and 24, better-sqlite3 on
 * Node 20. Both behave the same through this interface: rows are plain objects, BLOBs come back
 * as Buffers, `undefined` binds as NULL, named parameters take an object with the names
 * without their `@`/`:`/`$` prefix, `transaction()` nests as savepoints, and an error from
 * SQLite has the result code's name as `code` (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`...).
 */

/** What `run()` reports. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/**
 * A prepared statement: positional parameters as arguments, or one object of named ones. `P`
 * and `R` type the parameters and the rows where a store knows them.
 */
export interface SqliteStatement<P extends unknown[] = unknown[], R = unknown> {
  run(...params: P): SqliteRunResult;
  /** The first row, or undefined. */
  get(...params: P): R | undefined;
  all(...params: P): R[];
  /** Rows one at a time; do not write to the database until the iteration ends. */
  iterate(...params: P): IterableIterator<R>;
}

/** A function that runs in a transaction; `immediate` takes the write lock at BEGIN (BEGIN IMMEDIATE). */
export type SqliteTransaction<A extends unknown[], R> = ((...args: A) => R) & { immediate(...args: A): R };

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

export interface SqliteDatabase {
  /** Which driver runs under this handle (for logs and diagnostics; stores must not branch on it). */
  readonly driver: SqliteDriverName;
  /** False once closed. */
  readonly open: boolean;
  /** True while a transaction (or the group commit's shared one) is open. */
  readonly inTransaction: boolean;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  /** Runs one or more statements without results (schema, BEGIN/COMMIT). */
  exec(sql: string): void;
  /**
   * Wraps `fn` so that each call runs in a transaction: BEGIN/COMMIT, or a savepoint when one
   * is already open; a throw rolls back and rethrows. `fn` must be synchronous.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R>;
  /** `PRAGMA <source>`: every row, or with `simple` the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Closes the database; statements prepared on it stop working. */
  close(): void;
}
