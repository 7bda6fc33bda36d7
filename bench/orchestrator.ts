/**
 * Orchestrator throughput: many small runs through the real orchestrator, SQLite on (a real
 * WAL file in a temp dir), with a scheduler that does nothing (every container "exits 0" at
 * once and prints nothing). Prints task executions per second and the core's idle memory.
 *
 * Rounds alternate with a raw SQLite baseline (the same rows written with no orchestration),
 * and medians are printed, so a noisy machine disturbs both sides alike.
 *
 *   node --expose-gc --import tsx bench/orchestrator.ts [runs=2000] [tasksPerRun=5] [rounds=3]
 * (without `--conditions=gofer-source` the core runs from its compiled dist/, as in production)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createGofer, defineScheduler, Pipeline, Task, type Scheduler } from '@gofer/core';

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

/**
 * The raw baseline: the same rows written straight to SQLite (WAL, prepared statements, one
 * transaction per run) with no orchestration at all: the floor the orchestrator is measured
 * against.
 */
function rawSqliteBaseline(dir: string, round: number): number {
  const db = new Database(join(dir, `baseline-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE runs (pipeline_id TEXT, run_id INTEGER, state TEXT, PRIMARY KEY (pipeline_id, run_id));
    CREATE TABLE tasks (pipeline_id TEXT, run_id INTEGER, task_id TEXT, state TEXT, variables TEXT, scheduler_id TEXT, PRIMARY KEY (pipeline_id, run_id, task_id)) WITHOUT ROWID;
    CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, at INTEGER, payload TEXT);`);
  const insRun = db.prepare("INSERT INTO runs VALUES ('bench', ?, 'pending')");
  const updRun = db.prepare("UPDATE runs SET state = ? WHERE pipeline_id = 'bench' AND run_id = ?");
  const insTask = db.prepare("INSERT INTO tasks VALUES ('bench', ?, ?, 'processing', '[]', NULL)");
  const updTask = db.prepare("UPDATE tasks SET state = ?, variables = ?, scheduler_id = ? WHERE pipeline_id = 'bench' AND run_id = ? AND task_id = ?");
  const insEvent = db.prepare('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
  const vars = JSON.stringify([{ key: 'GOFER_PIPELINE_ID', value: 'bench', source: 'system' }]);
  const started = performance.now();
  for (let r = 1; r <= runs; r++) {
    db.transaction(() => {
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
    })();
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
      baselines.push(rawSqliteBaseline(dataDir, round));
    }
    const rate = median(rates);
    const raw = median(baselines);
    console.log(`orchestrator: ${rounds} rounds of ${runs} runs x ${tasksPerRun} tasks (no-op scheduler, SQLite WAL on disk)`);
    console.log(`  ${Math.round(rate)} task executions/s median (rounds: ${rates.map(Math.round).join(', ')}; goal >= 2000/s), ${Math.round(rate / tasksPerRun)} runs/s, ${failed} runs not successful`);
    console.log(`  raw SQLite baseline (same rows, no orchestration): ${Math.round(raw)} task executions/s median; orchestrator at ${((rate / raw) * 100).toFixed(0)}% of it`);
    console.log(`  idle core after start: rss ${mb(idle.rss)}, heap used ${mb(idle.heapUsed)}`);
    global.gc?.();
    const after = process.memoryUsage();
    console.log(`  after the benchmark (${runs} runs kept in the store): rss ${mb(after.rss)}, heap used ${mb(after.heapUsed)}`);
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
