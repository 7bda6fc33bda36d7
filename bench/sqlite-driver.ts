/**
 * What Gofer's store interface costs over the SQLite driver under it: the statements the
 * stores run most (an insert, a point read, a 100-row read, a small transaction) timed straight
 * through the driver (the baseline) and through the interface (stores/sqlite-database.ts), in
 * rounds that alternate which goes first; the best round of each is reported (on a shared
 * machine the best is the one least disturbed by others), as ratios; goal: >= 0.9x raw (no worse
 * than raw, within a shared machine's noise). With both drivers loadable
 * (Node 22 with better-sqlite3 built for it) it also compares them.
 *
 *   node --import tsx bench/sqlite-driver.ts [rounds=15] [ops=20000]
 *   GOFER_SQLITE_DRIVER=better-sqlite3 ...   measure one driver only
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, sqliteDriverName } from '../core/src/stores/sqlite-drivers.js';
import type { SqliteDriverName } from '../core/src/stores/sqlite-database.js';
import { verdict } from './verdict-kit.js';

const rounds = Number(process.argv[2] ?? 15);
const ops = Number(process.argv[3] ?? 20000);
const require = createRequire(import.meta.url);
const best = (xs: number[]) => Math.max(...xs);
/** "No worse than raw", less the noise of a shared machine (the same object measured twice differs by up to 6%). */
const GOAL = 0.9;

interface Db {
  prepare(sql: string): { run(...p: unknown[]): unknown; get(...p: unknown[]): unknown; all(...p: unknown[]): unknown[] };
  exec(sql: string): void;
  close(): void;
}

function openRaw(driver: SqliteDriverName, path: string): Db {
  if (driver === 'node:sqlite') return new (require('node:sqlite') as { DatabaseSync: new (p: string) => Db }).DatabaseSync(path);
  return new (require('better-sqlite3') as new (p: string) => Db)(path);
}

/** Operations per second of each workload on one database. */
function workloads(db: Db): Record<string, number> {
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec('DROP TABLE IF EXISTS t; CREATE TABLE t (id INTEGER PRIMARY KEY, pipeline TEXT, state TEXT, payload BLOB)');
  const insert = db.prepare('INSERT INTO t (pipeline, state, payload) VALUES (?, ?, ?)');
  const point = db.prepare('SELECT * FROM t WHERE id = ?');
  const range = db.prepare('SELECT id, pipeline, state FROM t WHERE id > ? ORDER BY id LIMIT 100');
  const update = db.prepare('UPDATE t SET state = ? WHERE id = ?');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const payload = Buffer.alloc(64, 1);
  const rate = (n: number, fn: () => void) => {
    const started = performance.now();
    fn();
    return n / ((performance.now() - started) / 1000);
  };
  const out: Record<string, number> = {};
  out['insert'] = rate(ops, () => {
    begin.run();
    for (let i = 0; i < ops; i++) insert.run('bench', 'pending', payload);
    commit.run();
  });
  out['point read'] = rate(ops, () => {
    for (let i = 1; i <= ops; i++) point.get(i);
  });
  const pages = Math.max(1, Math.floor(ops / 100));
  out['100-row read'] = rate(pages, () => {
    for (let i = 0; i < pages; i++) range.all(i * 100);
  });
  out['transaction of 5 updates'] = rate(ops / 5, () => {
    for (let i = 0; i < ops / 5; i++) {
      begin.run();
      for (let k = 1; k <= 5; k++) update.run('running', i * 5 + k);
      commit.run();
    }
  });
  db.close();
  return out;
}

function loadable(driver: SqliteDriverName): boolean {
  try {
    openSqlite(':memory:', { driver }).close();
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'gofer-bench-sqlite-'));
try {
  const drivers = process.env.GOFER_SQLITE_DRIVER ? [sqliteDriverName()] : (['node:sqlite', 'better-sqlite3'] as const).filter((d) => loadable(d));
  const samples = new Map<string, Record<string, number[]>>();
  const add = (label: string, result: Record<string, number>) => {
    const into = samples.get(label) ?? {};
    for (const [k, v] of Object.entries(result)) (into[k] ??= []).push(v);
    samples.set(label, into);
  };
  for (let round = 0; round < rounds; round++) {
    const variants = drivers.flatMap((driver) => [
      () => add(`${driver} raw`, workloads(openRaw(driver, join(dir, `${driver.replace(':', '-')}-raw.db`)))),
      () => add(`${driver} stores`, workloads(openSqlite(join(dir, `${driver.replace(':', '-')}-stores.db`), { driver }))),
    ]);
    for (const variant of round % 2 === 0 ? variants : variants.reverse()) variant();
  }
  console.log(`SQLite drivers on Node ${process.versions.node}: best of ${rounds} alternating rounds of ${ops} operations`);
  const first = drivers[0]!;
  for (const driver of drivers) {
    const raw = samples.get(`${driver} raw`)!;
    const stores = samples.get(`${driver} stores`)!;
    for (const op of Object.keys(raw)) {
      const r = best(raw[op]!);
      const s = best(stores[op]!);
      const vsFirst = driver === first ? '' : `; raw at ${((r / best(samples.get(`${first} raw`)![op]!)) * 100).toFixed(0)}% of ${first} raw`;
      console.log(
        `  ${driver.padEnd(14)} ${op.padEnd(26)} raw ${Math.round(r).toString().padStart(8)}/s, through the stores ${((s / r) * 100).toFixed(0)}% of raw${vsFirst}`,
      );
      verdict({
        row: `sqlite ${op}, ${driver}`,
        gofer: `${Math.round(s)}/s via the stores`,
        baseline: `${Math.round(r)}/s direct`,
        value: s / r,
        op: '>=',
        goal: GOAL,
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
