/**
 * Versioned schema migrations, per module. Every module that keeps tables in Gofer's SQLite
 * database (the core stores, the extension host's subscriptions, the service's tokens) applies
 * its own list of migrations under its own name:
 *
 * ```ts
 * applyMigrations(db, 'subscriptions', [
 *   `CREATE TABLE subscriptions (id TEXT PRIMARY KEY, pipeline_id TEXT NOT NULL)`, // version 1
 *   `ALTER TABLE subscriptions ADD COLUMN status TEXT NOT NULL DEFAULT 'active'`,    // version 2
 * ]);
 * ```
 *
 * Version N is the N-th entry (1-based). Applied versions are tracked in
 * `schema_migrations(module, version)`; each pending migration runs in its own transaction
 * together with its bookkeeping row, so a crash never leaves one half applied. Never edit or
 * reorder a released entry: append a new one.
 */
import type { SqliteDatabase } from './sqlite-database.js';
import { GoferError } from '../api/index.js';

/** One migration: SQL text (may hold several statements) or a function run inside the transaction. */
export type Migration = string | ((db: SqliteDatabase) => void);

function ensureTable(db: SqliteDatabase): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (module, version)
  )`);
}

/** The highest applied version of `module` (0 when none). */
export function schemaVersion(db: SqliteDatabase, module: string): number {
  ensureTable(db);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations WHERE module = ?').get(module) as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies the migrations of `module` that are not applied yet, in order. Returns the version
 * the module is at afterwards. Refuses a database whose version is newer than the list (a
 * downgrade) with ERR_INTERNAL rather than running against an unknown schema.
 */
export function applyMigrations(db: SqliteDatabase, module: string, migrations: readonly Migration[]): number {
  if (!/^[a-z][a-z0-9_-]*$/.test(module)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `Migration module name "${module}" must be lower-case letters, digits, "_" or "-".`);
  }
  const current = schemaVersion(db, module);
  if (current > migrations.length) {
    throw new GoferError(
      'ERR_INTERNAL',
      `The database has schema version ${current} for "${module}", newer than this Gofer knows (${migrations.length}). Use a newer Gofer or another data directory.`,
      { details: { module, current, known: migrations.length } },
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)');
  for (let version = current + 1; version <= migrations.length; version++) {
    const migration = migrations[version - 1]!;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      record.run(module, version, Date.now());
    })();
  }
  return migrations.length;
}
