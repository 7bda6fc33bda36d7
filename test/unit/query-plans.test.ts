/**
 * The queries of the list and get calls, and those that run as each run completes (retention)
 * or at start-up (recovery), read a range of an index: no full scan of a table that grows with
 * the runs, no temporary b-tree to sort. Checked with EXPLAIN QUERY PLAN on a real SQLite file
 * with the core schema and a few thousand runs, without ANALYZE (Gofer never runs it), so the
 * planner chooses as it does on a user's store. The SQL is the stores' own (keep it in step).
 * And migration 6 (the indexes) applies over a store made by the five before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CORE_MIGRATIONS } from '../../core/src/stores/core-schema.js';
import { DATABASE } from '../../core/src/stores/database.js';
import { applyMigrations } from '../../core/src/stores/migrations.js';
import { openDatabase } from '../../core/src/stores/open-database.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-plans-'));
const { gofer, container } = await goferWithFake({ config: { dataDir } });
const db = container.resolve(DATABASE);
await gofer.pipelines.register({ id: 'plans', name: 'Plans', tasks: [{ id: 'one', image: 'img' }] });
db.transaction(() => {
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
     INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started, ended, logs_removed)
     SELECT 'plans', i, 1, 'complete', 'successful', '{}', '{}', i, i, i < 2980 FROM n`,
  ).run();
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
     INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, created) SELECT 'plans', i, 'one', 'img', 'complete', 'successful', i FROM n`,
  ).run();
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000) INSERT INTO events (type, at, payload) SELECT 'run.created', i, '{}' FROM n`,
  ).run();
})();

test.after(async () => {
  await gofer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const QUERIES: Array<[what: string, sql: string, params: unknown[]]> = [
  ['runs page', 'SELECT * FROM runs WHERE pipeline_id = ? AND run_id < ? ORDER BY run_id DESC LIMIT ?', ['plans', 1500, 50]],
  ['run get', 'SELECT * FROM runs WHERE pipeline_id = ? AND run_id = ?', ['plans', 1]],
  ['unfinished runs (recovery)', "SELECT * FROM runs WHERE state != 'complete' ORDER BY seq", []],
  ["a run's tasks", 'SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ?', ['plans', 1]],
  ['one task', 'SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ? AND task_id = ?', ['plans', 1, 'one']],
  ["a task's attempts", 'SELECT * FROM task_attempts WHERE pipeline_id = ? AND run_id = ? AND task_id = ? ORDER BY attempt', ['plans', 1, 'one']],
  ['events page', 'SELECT id, type, at, payload FROM events WHERE id > ? ORDER BY id LIMIT ?', [4000, 100]],
  [
    'events page of some types',
    'SELECT id, type, at, payload FROM events WHERE id > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?',
    [4000, '["run.completed","task.completed"]', 100],
  ],
  ['pipelines page', 'SELECT * FROM pipelines WHERE pipeline_id > ? ORDER BY pipeline_id LIMIT ?', ['', 100]],
  ['pipelines page of a namespace', 'SELECT * FROM pipelines WHERE namespace = ? AND pipeline_id > ? ORDER BY pipeline_id LIMIT ?', ['default', '', 100]],
  ['versions page', 'SELECT version, config, created FROM pipeline_versions WHERE pipeline_id = ? AND version > ? ORDER BY version LIMIT ?', ['plans', 0, 100]],
  [
    'retention: nth ended run',
    "SELECT run_id FROM runs INDEXED BY runs_ended WHERE pipeline_id = ? AND state = 'complete' ORDER BY run_id DESC LIMIT 1 OFFSET ?",
    ['plans', 19],
  ],
  [
    'retention: logs to remove',
    "SELECT run_id FROM runs INDEXED BY runs_logs_kept WHERE pipeline_id = ? AND state = 'complete' AND logs_removed = 0 AND run_id < ?",
    ['plans', 2990],
  ],
  ['retention: pipelines to sweep', "SELECT DISTINCT pipeline_id FROM runs INDEXED BY runs_logs_kept WHERE state = 'complete' AND logs_removed = 0", []],
  [
    'retention: objects of old runs',
    "DELETE FROM objects WHERE pipeline_id = ? AND run_id > 0 AND run_id < ? AND EXISTS (SELECT 1 FROM runs WHERE runs.pipeline_id = objects.pipeline_id AND runs.run_id = objects.run_id AND runs.state = 'complete')",
    ['plans', 2990],
  ],
  ["a run's objects", 'SELECT key FROM objects WHERE pipeline_id = ? AND run_id = ? ORDER BY seq', ['plans', 1]],
  ['pipeline objects to evict', 'SELECT seq, key FROM objects WHERE pipeline_id = ? AND run_id = 0 ORDER BY seq DESC LIMIT -1 OFFSET ?', ['plans', 10]],
];

for (const [what, sql, params] of QUERIES) {
  test(`${what}: an index range, no full scan, no sort`, () => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
    const text = plan.join(' | ');
    if (process.env.GOFER_SHOW_PLANS) console.log(`${what}: ${text}`);
    assert.not.ok(/TEMP B-TREE/.test(text), `${sql}\n  sorts: ${text}`);
    // A SCAN is allowed only through a partial index (it holds the rows still to do, not every
    // run), and of the list of types a query was given.
    for (const step of plan) {
      if (!step.startsWith('SCAN') || step.startsWith('SCAN json_each')) continue;
      assert.ok(/USING (COVERING )?INDEX (runs_unfinished|runs_logs_kept)\b/.test(step), `${sql}\n  scans: ${text}`);
    }
  });
}

test('migration 6 applies over a store at version 5 with runs in it: the indexes exist and recovery still finds its runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-plans-v5-'));
  try {
    const old = openDatabase(dir);
    applyMigrations(old, 'core', CORE_MIGRATIONS.slice(0, 5));
    old
      .prepare(
        "INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started) VALUES ('p1', 1, 1, 'complete', 'successful', '{}', '{}', 1), ('p1', 2, 1, 'running', 'unknown', '{}', '{}', 2)",
      )
      .run();
    assert.is(applyMigrations(old, 'core', CORE_MIGRATIONS.slice(0, 6)), 6);
    const names = (
      old.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('runs', 'objects', 'pipelines')").all() as Array<{ name: string }>
    ).map((r) => r.name);
    for (const index of ['runs_unfinished', 'runs_logs_kept', 'runs_ended', 'objects_scope_seq', 'pipelines_namespace'])
      assert.ok(names.includes(index), index);
    assert.equal(old.prepare("SELECT run_id FROM runs WHERE state != 'complete' ORDER BY seq").all(), [{ run_id: 2 }]);
    old.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the queries return what the stores expect on this store', async () => {
  const page = await gofer.runs.list('plans', { limit: 3, before: 1500 });
  assert.equal(
    page.map((r) => r.runId),
    [1499, 1498, 1497],
  );
  assert.is((await gofer.tasks.list('plans', 1499)).length, 1);
});

test.run();
