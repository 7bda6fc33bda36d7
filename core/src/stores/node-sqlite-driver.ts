/**
 * The `node:sqlite` driver: Node's built-in SQLite (`DatabaseSync`), adapted to the store
 * interface. Nothing to compile or install, and nothing for the garbage collector to finalize
 * outside Node's own objects, so no native teardown can abort the process.
 *
 * What the adapter evens out against better-sqlite3: rows come back with a null prototype
 * (made plain here), BLOBs as Uint8Array (wrapped as Buffers, no copy), `undefined` is refused
 * as a parameter (bound as NULL here), unknown named parameters are refused (ignored here),
 * errors carry the generic code ERR_SQLITE_ERROR (given the SQLite result code's name here, as
 * better-sqlite3 does: SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY...), and there is no
 * `transaction()` or `pragma()` helper.
 */
import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteRunResult, SqliteStatement, SqliteTransaction } from './sqlite-database.js';
import { sqliteResultCodeName } from './sqlite-result-codes.js';

/** The part of `node:sqlite` used here (typed locally: the project builds against Node 20's types). */
interface NodeSqliteStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): Record<string, unknown> | undefined;
  all(...params: unknown[]): Array<Record<string, unknown>>;
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
  setAllowUnknownNamedParameters(enabled: boolean): void;
  /** Node 24 and recent 22 releases: rows as arrays, named by `columns()`. */
  setReturnArrays?(enabled: boolean): void;
  columns?(): Array<{ name: string }>;
}
interface NodeSqliteHandle {
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  prepare(sql: string): NodeSqliteStatement;
  exec(sql: string): void;
  close(): void;
}
type NodeSqliteClass = new (path: string, options?: { readOnly?: boolean }) => NodeSqliteHandle;

let loaded: NodeSqliteClass | null | undefined;

/**
 * The runtime's SQLite database class, or null when it has none Gofer can use: Node 20 has no
 * `node:sqlite`, Node 22 before 22.13 only behind a flag, and before 22.16 without
 * `isTransaction`. Node 22 prints an ExperimentalWarning when the module loads; that one warning
 * is not passed on, because the choice is Gofer's (its test suite runs on this driver), not the
 * host's. Node 26.11 renamed the class to `Database` and deprecated the old name.
 */
export function nodeSqliteClass(): NodeSqliteClass | null {
  if (loaded !== undefined) return loaded;
  // Kept as the property's own value (not bound), so that putting it back restores it exactly.
  const { emitWarning } = process as { emitWarning: (...args: unknown[]) => void };
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    if (String(warning).startsWith('SQLite is an experimental feature')) return;
    return emitWarning.call(this, warning, ...rest);
  };
  try {
    const mod = createRequire(import.meta.url)('node:sqlite') as { Database?: NodeSqliteClass; DatabaseSync?: NodeSqliteClass };
    const Class = mod.Database ?? mod.DatabaseSync ?? null;
    if (Class) {
      const probe = new Class(':memory:');
      const usable = 'isTransaction' in probe && 'isOpen' in probe;
      probe.close();
      loaded = usable ? Class : null;
    } else {
      loaded = null;
    }
  } catch {
    loaded = null; // ERR_UNKNOWN_BUILTIN_MODULE: not in this runtime (or flagged off)
  } finally {
    process.emitWarning = emitWarning;
  }
  return loaded;
}

/** Opens a database with `node:sqlite` (the caller checked `nodeSqliteClass()`). */
export function openNodeSqlite(path: string, options: { readOnly?: boolean } = {}): SqliteDatabase {
  const Class = nodeSqliteClass();
  if (!Class) throw new Error('node:sqlite is not available in this Node.js');
  return new NodeSqliteDatabase(sqlite(() => new Class(path, options.readOnly ? { readOnly: true } : {})));
}

/** Runs `fn`; a node:sqlite error leaves with its SQLite result code's name as `code`. */
function sqlite<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: unknown; errcode?: unknown } | null;
    if (e && e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') e.code = sqliteResultCodeName(e.errcode);
    throw err;
  }
}

/** undefined binds as NULL (as with better-sqlite3), in positional and named parameters alike. */
function bindable(params: unknown[]): unknown[] {
  let out = params;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value === undefined) {
      if (out === params) out = [...params];
      out[i] = null;
    } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      const named = value as Record<string, unknown>;
      let copy: Record<string, unknown> | undefined;
      for (const key in named) {
        if (named[key] !== undefined) continue;
        copy ??= { ...named };
        copy[key] = null;
      }
      if (copy) {
        if (out === params) out = [...params];
        out[i] = copy;
      }
    }
  }
  return out;
}

const asBuffer = (value: unknown): unknown => (value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value);

/** A plain object with Buffers for BLOBs, from a null-prototype row. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in row) out[key] = asBuffer(row[key]);
  return out;
}

/**
 * Rows are read as arrays where the runtime can (and made into plain objects from the column
 * names): faster than node:sqlite's own row objects, which have a null prototype and would need
 * copying anyway.
 */
class NodeSqliteStatementAdapter implements SqliteStatement {
  private names: string[] | undefined;
  private readonly arrays: boolean;

  constructor(private readonly stmt: NodeSqliteStatement) {
    stmt.setAllowUnknownNamedParameters(true);
    this.arrays = typeof stmt.setReturnArrays === 'function' && typeof stmt.columns === 'function';
    if (this.arrays) stmt.setReturnArrays!(true);
  }

  private readonly row = (raw: unknown): Record<string, unknown> => {
    if (!this.arrays) return plainRow(raw as Record<string, unknown>);
    const values = raw as unknown[];
    let names = this.names;
    // SQLite re-prepares a statement after a schema change: `SELECT *` may then have more columns.
    if (names?.length !== values.length) names = this.names = this.stmt.columns!().map((c) => c.name);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) out[names[i]!] = asBuffer(values[i]);
    return out;
  };

  run(...params: unknown[]): SqliteRunResult {
    const { changes, lastInsertRowid } = sqlite(() => this.stmt.run(...bindable(params)));
    return { changes: Number(changes), lastInsertRowid };
  }

  get(...params: unknown[]): unknown {
    const raw = sqlite(() => this.stmt.get(...bindable(params)));
    return raw === undefined ? undefined : this.row(raw);
  }

  all(...params: unknown[]): unknown[] {
    return sqlite(() => this.stmt.all(...bindable(params))).map(this.row);
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    const rows = sqlite(() => this.stmt.iterate(...bindable(params)));
    for (;;) {
      const next = sqlite(() => rows.next());
      if (next.done) return;
      yield this.row(next.value);
    }
  }
}

const SAVEPOINT = '"gofer.transaction"';

class NodeSqliteDatabase implements SqliteDatabase {
  readonly driver = 'node:sqlite' as const;
  private control: Record<'begin' | 'beginImmediate' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', NodeSqliteStatement> | undefined;

  constructor(private readonly db: NodeSqliteHandle) {}

  get open(): boolean {
    return this.db.isOpen;
  }

  get inTransaction(): boolean {
    return this.db.isOpen && this.db.isTransaction;
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): SqliteStatement<P, R> {
    return new NodeSqliteStatementAdapter(sqlite(() => this.db.prepare(sql))) as unknown as SqliteStatement<P, R>;
  }

  exec(sql: string): void {
    sqlite(() => this.db.exec(sql));
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R> {
    const run = (begin: 'begin' | 'beginImmediate', args: A): R => {
      const control = (this.control ??= sqlite(() => ({
        begin: this.db.prepare('BEGIN'),
        beginImmediate: this.db.prepare('BEGIN IMMEDIATE'),
        commit: this.db.prepare('COMMIT'),
        rollback: this.db.prepare('ROLLBACK'),
        savepoint: this.db.prepare(`SAVEPOINT ${SAVEPOINT}`),
        release: this.db.prepare(`RELEASE ${SAVEPOINT}`),
        rollbackTo: this.db.prepare(`ROLLBACK TO ${SAVEPOINT}`),
      })));
      const step = (name: keyof typeof control) => void sqlite(() => control[name].run());
      const nested = this.db.isTransaction;
      step(nested ? 'savepoint' : begin);
      try {
        const result = fn(...args);
        if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('A transaction function cannot return a promise');
        step(nested ? 'release' : 'commit');
        return result;
      } catch (err) {
        // SQLite may already have rolled back on its own (SQLITE_FULL, an interrupted statement...).
        if (this.db.isTransaction) {
          if (nested) {
            step('rollbackTo');
            step('release');
          } else {
            step('rollback');
          }
        }
        throw err;
      }
    };
    return Object.assign((...args: A) => run('begin', args), { immediate: (...args: A) => run('beginImmediate', args) });
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const rows = sqlite(() => this.db.prepare(`PRAGMA ${source}`).all());
    if (!options.simple) return rows.map(plainRow);
    const first = rows[0];
    return first === undefined ? undefined : Object.values(first)[0];
  }

  close(): void {
    sqlite(() => this.db.close());
  }
}
