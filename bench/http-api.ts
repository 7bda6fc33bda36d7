/**
 * HTTP API throughput and latency: `GET /api/pipelines` (20 pipelines, a management token) and a
 * 51 KB page of `GET /api/events` through the real service (the core, in-memory SQLite, the API
 * server on 127.0.0.1), against a bare Fastify server answering each with the identical bytes
 * (fetched once from Gofer's route) from memory, with no auth, validation or store: the floor.
 * The load generator (autocannon, 50 connections) runs in a child process for a fixed time;
 * rounds alternate which server goes first so machine drift favours neither. Verdicts on the
 * median of the per-round ratios: req/s >= 0.5x the baseline's, p99 latency <= 2x. Also printed:
 * the server's CPU time per request (this process only), steadier on a loaded machine.
 * Gofer keeps these GET answers until the data changes (docs/service.md, "Kept answers"), and
 * nothing writes during the rounds, so the verdicts measure kept answers; each route also gets
 * one round against a second API server with no kept answers (every request reads the store and
 * serializes, as while runs are writing), printed for the record with no goal.
 *
 *   node --conditions=gofer-source --import tsx bench/http-api.ts [seconds=5] [rounds=3] [connections=50]
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { memoryLogger, Pipeline, Task } from '@gofer/core';
import { startGofer } from '../core/src/composition/start-gofer.js';
import { attachApiServer } from '../core/src/server/start-service.js';
import { median, verdict } from './verdict-kit.js';
import { noopScheduler } from './noop-scheduler-kit.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const connections = Number(process.argv[4] ?? 50);
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

const core = await startGofer({
  useEnv: false,
  logger: memoryLogger('warn'),
  plugins: [noopScheduler],
  config: { dataDir: ':memory:', scheduler: 'noop', discover: false, logLevel: 'silent', reapOrphans: false },
});
const { gofer } = core;
const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
// The same API with no kept answers: every request reads the store and serializes, as while runs
// write (any write moves the data version). Measured for the record, with no goal of its own.
const { server: fresh } = await attachApiServer(core, { host: '127.0.0.1', port: 0, keepAnswers: false });
const { secret } = tokens.bootstrap();
for (let i = 0; i < 20; i++) {
  await gofer.pipelines.register(
    new Pipeline(`bench-${i}`, `Bench pipeline ${i}`).description('A pipeline the benchmark lists').tasks(new Task('noop', 'img').command('true')).build(),
  );
}

/**
 * A page of `/api/events` of about 51 KB: runs of the no-op pipeline fill the event log, then the
 * smallest `limit` whose page reaches the size is the one measured.
 */
const EVENTS_BYTES = 51_000;
async function eventsPage(): Promise<string> {
  for (;;) {
    const res = await fetch(`${server.address.url}/api/events?limit=10000`, { headers: { authorization: `Bearer ${secret}` } });
    const { items } = (await res.json()) as { items: unknown[] };
    if (JSON.stringify({ items }).length >= EVENTS_BYTES) {
      let n = 1;
      while (JSON.stringify({ items: items.slice(0, n) }).length < EVENTS_BYTES) n++;
      return `/api/events?limit=${n}`;
    }
    await Promise.all(Array.from({ length: 20 }, async () => gofer.runs.wait('bench-0', (await gofer.runs.start('bench-0')).runId)));
  }
}
const paths = ['/api/pipelines', await eventsPage()];

/** The baseline: Fastify answering each path with the bytes Gofer's route gave, fetched once, from memory. */
const answers = new Map<string, Buffer>();
for (const path of paths) {
  const res = await fetch(`${server.address.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  answers.set(path, Buffer.from(await res.arrayBuffer()));
}
const baseline = Fastify({ logger: false });
for (const path of paths) {
  const bytes = answers.get(path)!;
  baseline.get(path.split('?')[0]!, (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(bytes));
}
await baseline.listen({ host: '127.0.0.1', port: 0 });
const baselineUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;

interface Round {
  perSecond: number;
  p99: number;
  cpuMicros: number;
}

/** Loads `url` for `seconds` from a child process (autocannon); req/s, p99 latency, and this process's CPU time per request. */
async function load(url: string, seconds: number): Promise<Round> {
  const cpu = process.cpuUsage();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-j', '-d', String(seconds), '-c', String(connections), '-H', `authorization=Bearer ${secret}`, url], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited with ${code}`))));
  });
  const used = process.cpuUsage(cpu);
  const result = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p99: number };
    errors: number;
    non2xx: number;
  };
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} answers not 2xx`);
  return { perSecond: result.requests.average, p99: result.latency.p99, cpuMicros: (used.user + used.system) / Math.max(1, result.requests.total) };
}

try {
  for (const path of paths) {
    const route = path.split('?')[0]!;
    const gofers: Round[] = [];
    const bases: Round[] = [];
    // Warm-up: JIT, SQLite statement cache, both servers.
    await load(`${server.address.url}${path}`, 1);
    await load(`${baselineUrl}${path}`, 1);
    for (let r = 0; r < rounds; r++) {
      const both = [
        async () => gofers.push(await load(`${server.address.url}${path}`, seconds)),
        async () => bases.push(await load(`${baselineUrl}${path}`, seconds)),
      ];
      for (const run of r % 2 ? both.reverse() : both) await run();
    }
    const m = (xs: Round[], k: keyof Round) => median(xs.map((x) => x[k]));
    const paired = (k: keyof Round) => median(gofers.map((g, i) => g[k] / Math.max(bases[i]![k], 0.001)));
    const kb = `${(answers.get(path)!.length / 1000).toFixed(1)} KB`;
    console.log(
      `GET ${path} (${kb}, ${connections} connections, ${rounds} alternating rounds of ${seconds} s): ` +
        `${m(gofers, 'perSecond').toFixed(0)} req/s through the API vs ${m(bases, 'perSecond').toFixed(0)} req/s Fastify from memory; ` +
        `p99 ${m(gofers, 'p99').toFixed(1)} vs ${m(bases, 'p99').toFixed(1)} ms; ` +
        `server CPU ${m(gofers, 'cpuMicros').toFixed(0)} vs ${m(bases, 'cpuMicros').toFixed(0)} us per request`,
    );
    const uncached = await load(`${fresh.address.url}${path}`, seconds);
    console.log(
      `  without kept answers (each request read and serialized afresh): ${uncached.perSecond.toFixed(0)} req/s, ` +
        `p99 ${uncached.p99.toFixed(1)} ms, server CPU ${uncached.cpuMicros.toFixed(0)} us per request`,
    );
    verdict({
      row: `GET ${route} req/s`,
      gofer: `${m(gofers, 'perSecond').toFixed(0)} req/s (${kb})`,
      baseline: `${m(bases, 'perSecond').toFixed(0)} req/s Fastify`,
      value: paired('perSecond'),
      op: '>=',
      goal: 0.5,
    });
    verdict({
      row: `GET ${route} p99`,
      gofer: `${m(gofers, 'p99').toFixed(1)} ms`,
      baseline: `${m(bases, 'p99').toFixed(1)} ms Fastify`,
      value: paired('p99'),
      op: '<=',
      goal: 2,
    });
  }
} finally {
  await baseline.close();
  await gofer.close();
}
