/**
 * A random id per data directory, stamped on every container as the `gofer.instance` label.
 * Several Gofer instances may share one engine (teams, tests); orphan reaping only ever
 * touches containers carrying this instance's id.
 */
import { randomBytes } from 'node:crypto';
import { token } from '../kernel/di.js';
import type { SqliteDatabase } from '../stores/database.js';
import { applyMigrations } from '../stores/migrations.js';

/** This data directory's instance id (registered from {@link instanceIdOf}). */
export const INSTANCE_ID = token<string>('gofer.instance-id');

export function instanceIdOf(db: SqliteDatabase): string {
  applyMigrations(db, 'instance', ['CREATE TABLE instance_identity (id TEXT NOT NULL)']);
  const row = db.prepare('SELECT id FROM instance_identity').get() as { id: string } | undefined;
  if (row) return row.id;
  const id = randomBytes(8).toString('hex');
  db.prepare('INSERT INTO instance_identity (id) VALUES (?)').run(id);
  return id;
}
