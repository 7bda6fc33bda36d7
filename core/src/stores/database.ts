/**
 * The SQLite database handle every store works on, whichever driver runs under it
 * (sqlite-database.ts). Modules keep their own tables in it through
 * `applyMigrations(db, '<module>', [...])` (migrations.ts).
 */
import { token, type Token } from '../kernel/di.js';
import type { SqliteDatabase } from './sqlite-database.js';

export type { SqliteDatabase } from './sqlite-database.js';

export const DATABASE: Token<SqliteDatabase> = token<SqliteDatabase>('gofer.database');
