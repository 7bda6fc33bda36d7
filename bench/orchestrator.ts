/**
 * Orchestrator throughput: many small runs through the real orchestrator, SQLite on (a real
 * WAL file in a temp dir), with a scheduler that does nothing (every container "exits 0" at
 * once and prints nothing). Prints task executions per second and the core's idle memory.
 *
 * Rounds alternate with a raw SQLite baseline (the same rows written with no orchestration,
 * straight through the driver Gofer uses on this Node: node:sqlite or better-sqlite3), and
 * medians are printed, so a noisy machine disturbs both sides alike. The same baseline through
 * Gofer's store interface (stores/sqlite-database.ts) shows what the driver adapter costs.
 * `GOFER_SQLITE_DRIVER=node:sqlite|better-sqlite3` compares the drivers on one Node.
 *
 *   node --expose-gc --import tsx bench/orchestrator.ts [runs=2000] [tasksPerRun=5] [rounds=3]
 * (without `--conditions=gofer-source` the core runs from its compiled dist/, as in production)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createGofer, defineScheduler, Pipeline, Task, type Scheduler } from '@gofer/core';
import { openSqlite, sqliteDriverName } from '../core/src/stores/sqlite-drivers.js';
import { CORE_MIGRATIONS } from '../core/src/stores/core-schema.js';
import { applyMigrations } from '../core/src/stores/migrations.js';
import { verdict } from './verdict-kit.js';

const runs = Number(process.argv[2] ?? 2000);
const tasksPerRun = Number(process.argv[3] ?? 5);
const rounds = Number(process.argv[4] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The cheapest scheduler the contract allows. */
const noop: Scheduler = {
  startContainer: async (req) => ({ schedulerId: req.id }),
  stopContainer: async () => undefined,
  getState: async () => ({ state: 'exited', exitCode: 0 }),
  getLogs: async () => ({ async *[Symbol.asyncIterator]() {} }),
};

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** What the baseline needs of a database: the raw driver's handle and the store interface both have it. */
interface BaselineDb {
  prepare(sql: string): { run(...params: unknown[]): unknown; get(...params: unknown[]): unknown };
  exec(sql: string): void;
  close(): void;
}

const driver = sqliteDriverName();
const require = createRequire(import.meta.url);

/** The driver's own handle, with nothing of Gofer's in between. */
function openRaw(path: string): BaselineDb {
  if (driver === 'node:sqlite') return new (require('node:sqlite') as { DatabaseSync: new (path: string) => BaselineDb }).DatabaseSync(path);
  return new (require('better-sqlite3') as new (path: string) => BaselineDb)(path);
}

/**
 * The raw baseline: the same rows written straight to SQLite (WAL, prepared statements, one
 * transaction per run) with no orchestration at all: the floor the orchestrator is measured
 * against.
 */
function sqliteBaseline(path: string, open: (path: string) => BaselineDb): number {
  const db = open(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`CREATE TABLE runs (pipeline_id TEXT, run_id INTEGER, state TEXT, PRIMARY KEY (pipeline_id, run_id));
    CREATE TABLE tasks (pipeline_id TEXT, run_id INTEGER, task_id TEXT, state TEXT, variables TEXT, scheduler_id TEXT, PRIMARY KEY (pipeline_id, run_id, task_id)) WITHOUT ROWID;
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, at INTEGER, payload TEXT);`);
  const insRun = db.prepare("INSERT INTO runs VALUES ('bench', ?, 'pending')");
  const updRun = db.prepare("UPDATE runs SET state = ? WHERE pipeline_id = 'bench' AND run_id = ?");
  const insTask = db.prepare("INSERT INTO tasks VALUES ('bench', ?, ?, 'processing', '[]', NULL)");
  const updTask = db.prepare("UPDATE tasks SET state = ?, variables = ?, scheduler_id = ? WHERE pipeline_id = 'bench' AND run_id = ? AND task_id = ?");
  const insEvent = db.prepare('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const vars = JSON.stringify([{ key: 'GOFER_PIPELINE_ID', value: 'bench', source: 'system' }]);
  const started = performance.now();
  for (let r = 1; r <= runs; r++) {
    begin.run();
    {
      insRun.run(r);
      insEvent.run('run.created', Date.now(), JSON.stringify({ pipelineId: 'bench', runId: r }));
      updRun.run('running', r);
      for (let t = 0; t < tasksPerRun; t++) {
        insTask.run(r, `t${t}`);
        for (const state of ['waiting', 'running', 'complete']) {
          updTask.run(state, vars, `bench_${r}_t${t}`, r, `t${t}`);
          insEvent.run(`task.${state}`, Date.now(), JSON.stringify({ pipelineId: 'bench', runId: r, taskId: `t${t}` }));
        }
      }
      updRun.run('complete', r);
      insEvent.run('run.completed', Date.now(), JSON.stringify({ pipelineId: 'bench', runId: r, status: 'successful' }));
    }
    commit.run();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return (runs * tasksPerRun) / seconds;
}

/**
 * The same raw baseline in Gofer's own schema (the core migrations: its indexes, AUTOINCREMENT
 * keys, the pipeline's run counter) and settings (openDatabase's pragmas), with the statements
 * and values the run store writes (a task's five system variables, its scheduler id, the events'
 * payloads), one transaction per run, straight through the driver. What it costs over the minimal schema is the schema's; what the
 * orchestrator costs over it is the orchestration's.
 */
function goferSchemaBaseline(path: string): number {
  const setup = openSqlite(path, { driver });
  setup.pragma('journal_mode = WAL');
  applyMigrations(setup, 'core', CORE_MIGRATIONS);
  setup
    .prepare(
      "INSERT INTO pipelines (pipeline_id, namespace, name, description, state, live_version, latest_version, created, modified) VALUES ('bench', 'default', 'bench', '', 'active', 1, 1, 0, 0)",
    )
    .run();
  setup.close();
  const db = openRaw(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA wal_autocheckpoint = 4000');
  db.exec('PRAGMA foreign_keys = ON');
  const p = (sql: string) => db.prepare(sql);
  const nextRunId = p("UPDATE pipelines SET last_run_id = last_run_id + 1 WHERE pipeline_id = 'bench' RETURNING last_run_id");
  const insertRun = p(
    "INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started, concurrency_group) VALUES ('bench', ?, 1, 'pending', 'unknown', ?, '{}', ?, NULL) RETURNING seq",
  );
  const insertTask = p(
    "INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, created, kind, matrix, allow_failure) VALUES ('bench', ?, ?, 'noop', 'processing', 'unknown', ?, NULL, NULL, 0)",
  );
  const setRunRunning = p("UPDATE runs SET state = 'running' WHERE pipeline_id = 'bench' AND run_id = ?");
  const taskStarting = p(
    "UPDATE task_executions SET state = 'waiting', variables = ?, start_attempts = start_attempts + 1 WHERE pipeline_id = 'bench' AND run_id = ? AND task_id = ?",
  );
  const taskRunning = p(
    "UPDATE task_executions SET state = 'running', scheduler_id = ?, started = ? WHERE pipeline_id = 'bench' AND run_id = ? AND task_id = ?",
  );
  const taskComplete = p(
    "UPDATE task_executions SET state = 'complete', status = ?, status_reason = NULL, exit_code = 0, ended = ?, retry_at = NULL, outputs = NULL WHERE pipeline_id = 'bench' AND run_id = ? AND task_id = ?",
  );
  const completeRun = p("UPDATE runs SET state = 'complete', status = ?, status_reason = NULL, ended = ? WHERE pipeline_id = 'bench' AND run_id = ?");
  const insEvent = p('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
  const event = (type: string, payload: object) => insEvent.run(type, Date.now(), JSON.stringify(payload));
  const begin = p('BEGIN');
  const commit = p('COMMIT');
  const taskIds = Array.from({ length: tasksPerRun }, (_, t) => `t${t}`);
  const initiator = JSON.stringify({ kind: 'api', name: 'api' });
  const started = performance.now();
  for (let r = 1; r <= runs; r++) {
    begin.run();
    {
      const runId = (nextRunId.get() as { last_run_id: number }).last_run_id;
      insertRun.get(runId, initiator, Date.now());
      for (const taskId of taskIds) insertTask.run(runId, taskId, Date.now());
      event('run.created', { pipelineId: 'bench', runId });
      for (const taskId of taskIds) event('task.created', { pipelineId: 'bench', runId, taskId });
      setRunRunning.run(runId);
      event('run.started', { pipelineId: 'bench', runId });
      for (const taskId of taskIds) {
        const variables = [
          { key: 'GOFER_PIPELINE_ID', value: 'bench', source: 'system' },
          { key: 'GOFER_RUN_ID', value: String(runId), source: 'system' },
          { key: 'GOFER_TASK_ID', value: taskId, source: 'system' },
          { key: 'GOFER_TASK_IMAGE', value: 'noop', source: 'system' },
          { key: 'GOFER_TASK_ATTEMPT', value: '1', source: 'system' },
        ];
        taskStarting.run(JSON.stringify(variables), runId, taskId);
        const schedulerId = `bench_${runId}_${taskId}`;
        taskRunning.run(schedulerId, Date.now(), runId, taskId);
        event('task.started', { pipelineId: 'bench', runId, taskId, schedulerId });
        taskComplete.run('successful', Date.now(), runId, taskId);
        event('task.completed', { pipelineId: 'bench', runId, taskId, status: 'successful', exitCode: 0 });
      }
      completeRun.run('successful', Date.now(), runId);
      event('run.completed', { pipelineId: 'bench', runId, status: 'successful' });
    }
    commit.run();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return (runs * tasksPerRun) / seconds;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bench-'));
  const gofer = await createGofer({
    useEnv: false,
    plugins: [defineScheduler({ name: 'noop', apiVersion: 1, create: () => noop })],
    config: { dataDir, scheduler: 'noop', discover: false, logLevel: 'warn', logRetentionRuns: 1_000_000 },
  });
  try {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    global.gc?.();
    const idle = process.memoryUsage();
    // A small DAG: one root, fan-out, one join.
    const tasks = [new Task('root', 'noop')];
    for (let i = 1; i < tasksPerRun - 1; i++) tasks.push(new Task(`fan_${i}`, 'noop').dependsOn('root'));
    if (tasksPerRun > 1) {
      const join = new Task('join', 'noop');
      for (let i = 1; i < tasksPerRun - 1; i++) join.dependsOn(`fan_${i}`, 'any');
      if (tasksPerRun === 2) join.dependsOn('root');
      tasks.push(join);
    }
    await gofer.pipelines.register(new Pipeline('bench', 'bench').tasks(...tasks).build());

    // Warm-up (JIT, statement cache).
    await Promise.all(Array.from({ length: 50 }, async () => gofer.runs.wait('bench', (await gofer.runs.start('bench')).runId)));

    const rates: number[] = [];
    const baselines: number[] = [];
    const throughStores: number[] = [];
    const inGoferSchema: number[] = [];
    let failed = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const waits: Array<Promise<{ status: string }>> = [];
      for (let i = 0; i < runs; i++) {
        const run = await gofer.runs.start('bench');
        waits.push(gofer.runs.wait('bench', run.runId));
      }
      failed += (await Promise.all(waits)).filter((r) => r.status !== 'successful').length;
      rates.push((runs * tasksPerRun) / ((performance.now() - started) / 1000));
      baselines.push(sqliteBaseline(join(dataDir, `raw-${round}.db`), openRaw));
      throughStores.push(sqliteBaseline(join(dataDir, `stores-${round}.db`), (path) => openSqlite(path, { driver })));
      inGoferSchema.push(goferSchemaBaseline(join(dataDir, `schema-${round}.db`)));
    }
    const rate = median(rates);
    const raw = median(baselines);
    const stores = median(throughStores);
    const schema = median(inGoferSchema);
    console.log(
      `orchestrator: ${rounds} rounds of ${runs} runs x ${tasksPerRun} tasks (no-op scheduler, SQLite WAL on disk, ${driver} on Node ${process.versions.node})`,
    );
    console.log(
      `  ${Math.round(rate)} task executions/s median (rounds: ${rates.map(Math.round).join(', ')}; goal >= 2000/s), ${Math.round(rate / tasksPerRun)} runs/s, ${failed} runs not successful`,
    );
    console.log(
      `  raw SQLite baseline (same rows, no orchestration, ${driver} directly): ${Math.round(raw)} task executions/s median; orchestrator at ${((rate / raw) * 100).toFixed(0)}% of it`,
    );
    console.log(
      `  the same baseline through the store interface: ${Math.round(stores)} task executions/s median, ${((stores / raw) * 100).toFixed(0)}% of raw`,
    );
    console.log(
      `  the same rows in Gofer's schema and values (core migrations, ${driver} directly): ${Math.round(schema)} task executions/s median, ${((schema / raw) * 100).toFixed(0)}% of raw; orchestrator at ${((rate / schema) * 100).toFixed(0)}% of it`,
    );
    console.log(`  idle core after start: rss ${mb(idle.rss)}, heap used ${mb(idle.heapUsed)}`);
    global.gc?.();
    const after = process.memoryUsage();
    console.log(`  after the benchmark (${runs} runs kept in the store): rss ${mb(after.rss)}, heap used ${mb(after.heapUsed)}`);
    verdict({
      row: 'orchestrator throughput',
      gofer: `${Math.round(rate)} tasks/s`,
      baseline: 'none (an absolute floor)',
      value: rate,
      op: '>=',
      goal: 2000,
      unit: '/s',
    });
    // Issue 17's goal: the orchestration costs at most as much again as the rows it writes.
    verdict({
      row: 'orchestrator vs raw SQLite',
      gofer: `${Math.round(rate)} tasks/s`,
      baseline: `${Math.round(raw)}/s raw ${driver}, same rows`,
      value: Math.round((rate / raw) * 100),
      op: '>=',
      goal: 60,
      unit: '%',
    });
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
