/**
 * List routes and run pages on a big store: 100,000 runs x 5 task executions of one pipeline
 * (and 8 events per run, 800,000 events: event retention by count off) against a small store
 * (100 runs x 5 tasks, 800 events) that answers the same requests with as many items. Both are
 * real SQLite files under a temp dir, behind the real API server on 127.0.0.1; the big one is
 * filled by bulk SQL into the schema the stores use (one INSERT ... SELECT per table, the rows
 * the run store writes for a successful run). Each round sends every request `requests` times
 * to one store, then the other (alternating which goes first); per route, the median over rounds
 * of the mean time per request, and the ratio big / small (goal <= 2). One more row: the
 * retention sweep each run's completion runs for its pipeline (synchronously, in-process).
 *
 *   node --expose-gc --conditions=gofer-source --import tsx bench/big-store.ts [runs=100000] [requests=200] [rounds=7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger, Pipeline, Task } from '@gofer/core';
import { startGofer } from '../core/src/composition/start-gofer.js';
import { attachApiServer } from '../core/src/server/start-service.js';
import { RETENTION } from '../core/src/runs/retention.js';
import { DATABASE } from '../core/src/stores/database.js';
import { median, verdict } from './verdict-kit.js';
import { noopScheduler } from './noop-scheduler-kit.js';

const bigRuns = Number(process.argv[2] ?? 100_000);
const requests = Number(process.argv[3] ?? 200);
const rounds = Number(process.argv[4] ?? 7);
const SMALL_RUNS = 100;
const TASKS = ['checkout', 'build', 'test', 'lint', 'publish'];
const PIPELINE = 'big';
const PAGE = 50;

interface Store {
  name: string;
  url: string;
  auth: { authorization: string };
  runs: number;
  /** The retention sweep a run's completion triggers for its pipeline (in-process, synchronous). */
  sweep(): void;
  close(): Promise<void>;
}

/** A service on a fresh data dir, its pipeline filled with `runs` complete runs by bulk SQL. */
async function store(name: string, runs: number): Promise<Store> {
  const dataDir = mkdtempSync(join(tmpdir(), `gofer-bench-${name}-`));
  const core = await startGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    plugins: [noopScheduler],
    config: { dataDir, scheduler: 'noop', discover: false, logLevel: 'silent', reapOrphans: false },
  });
  const { gofer, container } = core;
  const pipeline = new Pipeline(PIPELINE, 'Big pipeline').description('A pipeline with many runs');
  await gofer.pipelines.register(pipeline.tasks(...TASKS.map((t) => new Task(t, 'alpine:3').command('true'))).build());
  const db = container.resolve(DATABASE);
  const started = performance.now();
  const t0 = Date.now() - runs * 60_000;
  db.transaction(() => {
    // Runs 1..N, one a minute, each ended 30 s after it started; all but the newest 20 lost their logs (retention).
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started, ended, logs_removed)
       SELECT ?, i, 1, 'complete', 'successful', '{"kind":"extension","name":"cron"}', '{"BRANCH":"main"}', ? + i * 60000, ? + i * 60000 + 30000, i <= ? - 20 FROM n`,
    ).run(runs, PIPELINE, t0, t0, runs);
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?), t(task_id, k) AS (VALUES ${TASKS.map((t, k) => `('${t}', ${k})`).join(', ')})
       INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, exit_code, scheduler_id, variables, created, started, ended)
       SELECT ?, i, task_id, 'alpine:3', 'complete', 'successful', 0, 'c-' || i || '-' || task_id, '[{"key":"BRANCH","value":"main","source":"run_option"}]',
              ? + i * 60000, ? + i * 60000 + k * 5000, ? + i * 60000 + k * 5000 + 4000 FROM n, t`,
    ).run(runs, PIPELINE, t0, t0, t0);
    // Per run: created, started, 5 task.completed, completed (the order a run publishes them, ids increasing).
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?), e(k, type, task_id) AS (VALUES
         (0, 'run.created', NULL), (1, 'run.started', NULL), ${TASKS.map((t, k) => `(${k + 2}, 'task.completed', '${t}')`).join(', ')}, (7, 'run.completed', NULL))
       INSERT INTO events (type, at, payload)
       SELECT type, ? + i * 60000 + k * 4000,
              CASE WHEN task_id IS NULL THEN json_object('pipelineId', ?, 'runId', i) ELSE json_object('pipelineId', ?, 'runId', i, 'taskId', task_id, 'status', 'successful', 'exitCode', 0) END
       FROM n, e ORDER BY i, k`,
    ).run(runs, t0, PIPELINE, PIPELINE);
    db.prepare('UPDATE pipelines SET last_run_id = ? WHERE pipeline_id = ?').run(runs, PIPELINE);
  })();
  const fillMs = performance.now() - started;
  const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
  const { secret } = tokens.bootstrap();
  console.log(`${name} store: ${runs} runs x ${TASKS.length} tasks, ${runs * 8} events, filled in ${(fillMs / 1000).toFixed(1)} s`);
  return {
    name,
    url: server.address.url,
    auth: { authorization: `Bearer ${secret}` },
    runs,
    sweep: () => void container.resolve(RETENTION).sweepPipeline(PIPELINE),
    close: async () => {
      await gofer.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The requests of one route, for a store: the same shape and item count on both. */
interface Route {
  row: string;
  path(s: Store): string;
  /** How many items the answer must hold (checked once, so no route is timed answering nothing). */
  items?: number;
}
const mid = (s: Store) => Math.floor(s.runs / 2) + 1;
const routes: Route[] = [
  { row: 'runs page', path: () => `/api/pipelines/${PIPELINE}/runs?limit=${PAGE}`, items: PAGE },
  { row: 'runs page deep', path: (s) => `/api/pipelines/${PIPELINE}/runs?limit=${PAGE}&before=${mid(s)}`, items: PAGE },
  { row: 'events page', path: (s) => `/api/events?limit=100&after=${mid(s) * 8}`, items: 100 },
  { row: 'events page by type', path: (s) => `/api/events?limit=20&types=run.completed&after=${mid(s) * 8}`, items: 20 },
  { row: 'run tasks', path: (s) => `/api/pipelines/${PIPELINE}/runs/${mid(s)}/tasks`, items: TASKS.length },
  { row: 'run get', path: (s) => `/api/pipelines/${PIPELINE}/runs/${mid(s)}` },
  { row: 'pipelines list', path: () => '/api/pipelines', items: 1 },
];

async function get(s: Store, path: string): Promise<unknown> {
  const res = await fetch(`${s.url}${path}`, { headers: s.auth });
  if (res.status !== 200) throw new Error(`${s.name}: GET ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Mean ms per request over `requests` sequential requests. */
async function time(s: Store, path: string): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < requests; i++) await get(s, path);
  return (performance.now() - started) / requests;
}

const big = await store('big', bigRuns);
const small = await store('small', SMALL_RUNS);
try {
  for (const r of routes) {
    for (const s of [big, small]) {
      const body = (await get(s, r.path(s))) as { items?: unknown[] };
      if (r.items !== undefined && body.items?.length !== r.items) throw new Error(`${s.name}: ${r.path(s)} gave ${body.items?.length} items, not ${r.items}`);
    }
  }
  const times = new Map(routes.map((r) => [r.row, { big: [] as number[], small: [] as number[] }]));
  for (const r of routes) for (const s of [big, small]) await time(s, r.path(s)); // warm-up: JIT, statement and page caches
  for (let round = 0; round < rounds; round++) {
    for (const r of routes) {
      const order = round % 2 === 0 ? [big, small] : [small, big];
      for (const s of order) {
        (globalThis as { gc?: () => void }).gc?.();
        times.get(r.row)![s === big ? 'big' : 'small'].push(await time(s, r.path(s)));
      }
    }
  }
  const sweeps = { big: [] as number[], small: [] as number[] };
  for (let round = 0; round <= rounds; round++) {
    for (const s of round % 2 === 0 ? [big, small] : [small, big]) {
      const started = performance.now();
      for (let i = 0; i < requests; i++) s.sweep();
      if (round > 0) sweeps[s === big ? 'big' : 'small'].push((performance.now() - started) / requests); // round 0 warms up
    }
  }
  console.log(`${requests} sequential requests per store, route and round; medians of ${rounds} rounds (ms per request):`);
  for (const r of routes) {
    const t = times.get(r.row)!;
    const b = median(t.big);
    const sm = median(t.small);
    verdict({
      row: `big store: ${r.row}`,
      gofer: `${b.toFixed(3)} ms/request with ${bigRuns} runs`,
      baseline: `${sm.toFixed(3)} ms/request with ${SMALL_RUNS} runs`,
      value: b / sm,
      op: '<=',
      goal: 2,
    });
  }
  const b = median(sweeps.big);
  const sm = median(sweeps.small);
  verdict({
    row: 'big store: retention sweep as a run completes',
    gofer: `${(b * 1000).toFixed(1)} us/sweep with ${bigRuns} runs`,
    baseline: `${(sm * 1000).toFixed(1)} us/sweep with ${SMALL_RUNS} runs`,
    value: b / sm,
    op: '<=',
    goal: 2,
  });
} finally {
  await big.close();
  await small.close();
}
