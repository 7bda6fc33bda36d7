/**
 * HTTP API throughput: `GET /api/pipelines` (20 pipelines, a management token) and
 * `GET /api/health` through the real service (the core, in-memory SQLite, the API server on
 * 127.0.0.1), against a bare node:http server answering the same bytes with no routing, auth or
 * validation: the floor. The load generator (autocannon) runs in a child process with a fixed
 * number of requests; rounds alternate the two servers so machine drift favours neither.
 * Prints requests per second and, steadier on a loaded machine, the server's CPU time per
 * request (this process only), with the ratios against the baseline.
 *
 *   node --conditions=gofer-source --import tsx bench/http-api.ts [requests=20000] [rounds=3] [connections=10]
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defineScheduler, memoryLogger, Pipeline, Task } from '@gofer/core';
import { startGofer } from '../core/src/composition/start-gofer.js';
import { attachApiServer } from '../core/src/server/start-service.js';

const requests = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 3);
const connections = Number(process.argv[4] ?? 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

/** No run starts here: a scheduler that does nothing is enough. */
const noop = defineScheduler({
  name: 'noop',
  apiVersion: 1,
  create: () => ({
    startContainer: async (req) => ({ schedulerId: req.id }),
    stopContainer: async () => undefined,
    getState: async () => ({ state: 'exited' as const, exitCode: 0 }),
    getLogs: async () => ({ async *[Symbol.asyncIterator]() {} }),
  }),
});
const core = await startGofer({
  useEnv: false,
  logger: memoryLogger('warn'),
  plugins: [noop],
  config: { dataDir: ':memory:', scheduler: 'noop', discover: false, logLevel: 'silent', reapOrphans: false },
});
const { gofer } = core;
const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
const { secret } = tokens.bootstrap();
for (let i = 0; i < 20; i++) {
  await gofer.pipelines.register(
    new Pipeline(`bench-${i}`, `Bench pipeline ${i}`).description('A pipeline the benchmark lists').tasks(new Task('noop', 'img').command('true')).build(),
  );
}

/** The baseline: the same answer per path, precomputed, from node:http. */
const answers = new Map<string, Buffer>();
for (const path of ['/api/pipelines', '/api/health']) {
  const res = await fetch(`${server.address.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  answers.set(path, Buffer.from(await res.arrayBuffer()));
}
const bare = createServer((req, res) => {
  const bytes = answers.get(req.url ?? '') ?? Buffer.from('{}');
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length }).end(bytes);
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

/** Sends `requests` requests from a child process; the wall time and this process's CPU time. */
async function load(url: string): Promise<{ perSecond: number; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-a', String(requests), '-c', String(connections), '-H', `authorization=Bearer ${secret}`, url], {
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`autocannon exited with ${code}`))));
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: requests / seconds, cpuMicros: (used.user + used.system) / requests };
}

try {
  for (const path of ['/api/pipelines', '/api/health']) {
    const api: Array<{ perSecond: number; cpuMicros: number }> = [];
    const raw: Array<{ perSecond: number; cpuMicros: number }> = [];
    await load(`${server.address.url}${path}`); // warm-up: JIT, SQLite statement cache
    for (let r = 0; r < rounds; r++) {
      api.push(await load(`${server.address.url}${path}`));
      raw.push(await load(`${bareUrl}${path}`));
    }
    const apiRate = median(api.map((x) => x.perSecond));
    const rawRate = median(raw.map((x) => x.perSecond));
    const apiCpu = median(api.map((x) => x.cpuMicros));
    const rawCpu = median(raw.map((x) => x.cpuMicros));
    console.log(
      `GET ${path} (${answers.get(path)!.length} bytes, ${connections} connections, ${requests} requests x ${rounds}): ` +
        `${apiRate.toFixed(0)} req/s through the API vs ${rawRate.toFixed(0)} req/s bare node:http = ${(apiRate / rawRate).toFixed(2)}x; ` +
        `server CPU ${apiCpu.toFixed(0)} vs ${rawCpu.toFixed(0)} us per request = ${(apiCpu / rawCpu).toFixed(1)}x`,
    );
  }
} finally {
  bare.close();
  await gofer.close();
}
