/**
 * `gofer service start` until `/api/health` answers, and the idle service's memory, against a
 * bare `node:http` server started the same way (a fresh `node` process, polled over HTTP until
 * it answers). Gofer runs from its compiled dist/ with the process scheduler, as a user runs it;
 * rounds alternate Gofer and the baseline, each on a fresh data directory.
 *
 *   node --import tsx bench/service-start.ts [rounds=7]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, verdict } from './verdict-kit.js';

const rounds = Number(process.argv[2] ?? 7);
const root = fileURLToPath(new URL('..', import.meta.url));
const BARE = `require('node:http').createServer((q, s) => s.end('{"ok":true}')).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

interface Started {
  ms: number;
  rssMb: number;
}

/** Spawns `args`, waits for its "http://host:port" line, polls `path` until it answers 200, reads its RSS after a settle. */
async function startAndProbe(args: string[], path: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => reject(new Error(`exited ${code} before listening:\n${out}`)));
    });
    for (;;) {
      const res = await fetch(`${url}${path}`).catch(() => undefined);
      if (res?.ok) {
        await res.arrayBuffer();
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 1000)); // idle: start-up work done, nothing asked of it
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
    return { ms, rssMb: rssKb / 1024 };
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const gofer: Started[] = [];
const bare: Started[] = [];
const runGofer = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bench-start-'));
  try {
    const env = { ...process.env, GOFER_ROOT: root, GOFER_DATA_DIR: dataDir, NODE_OPTIONS: '' };
    gofer.push(await startAndProbe([join(root, 'core/bin/gofer.js'), 'service', 'start', '--port', '0'], '/api/health', env));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};
const runBare = async () => void bare.push(await startAndProbe(['-e', BARE], '/', { ...process.env, NODE_OPTIONS: '' }));

await runGofer(); // warm-up: page cache, and Node 22+'s compile cache
await runBare();
gofer.length = 0;
bare.length = 0;
for (let round = 0; round < rounds; round++) {
  for (const candidate of round % 2 ? [runBare, runGofer] : [runGofer, runBare]) await candidate();
}
const ratio = (pick: (s: Started) => number) => median(gofer.map((g, i) => pick(g) / pick(bare[i]!)));
console.log(`service start: ${rounds} rounds, Node ${process.versions.node}, process scheduler, compiled dist/`);
verdict({
  row: 'service start to /api/health',
  gofer: `${median(gofer.map((s) => s.ms)).toFixed(0)} ms`,
  baseline: `${median(bare.map((s) => s.ms)).toFixed(0)} ms bare node:http`,
  value: ratio((s) => s.ms),
  op: '<=',
  goal: 2,
});
verdict({
  row: 'idle service RSS',
  gofer: `${median(gofer.map((s) => s.rssMb)).toFixed(0)} MB`,
  baseline: `${median(bare.map((s) => s.rssMb)).toFixed(0)} MB bare node:http`,
  value: ratio((s) => s.rssMb),
  op: '<=',
  goal: 1.4,
});
