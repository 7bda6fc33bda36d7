/**
 * Gofer never ends by a signal or an unexpected exit code, at exit or while it runs, on every
 * Node.js version the run has: per version, 50 service start/stop cycles (a run started with the
 * real CLI, then SIGTERM), 50 demos, 50 embedding hosts that close() and 50 that exit without
 * close(). A native abort at teardown (SIGABRT, exit 134) or in the middle of the work counts.
 *
 * The versions: `GOFER_TEST_NODES` (Node binaries separated by `:`; CI lists the ones it
 * installed), else the Node running this file. Every binary runs the same built checkout.
 *
 * The cycles are split between two test files (clean-exits-1 and -2 of 2, 25 of each path each)
 * so the suite's runner can run the halves side by side and neither half nears its per-file hang
 * guard on a loaded 2-core machine; together they are the 50 of each path.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../integration/service-harness.js';
import { figure } from './reliability-helpers.js';

const CYCLES = 50;
/** Processes at a time: GOFER_EXIT_PARALLEL, default 3 (beside the rest of the suite); CI's step that runs this file alone uses more. */
const PARALLEL = Math.max(1, Number(process.env.GOFER_EXIT_PARALLEL ?? 3) || 3);
const GOFER = join(ROOT, 'core/bin/gofer.js');
const HOST = join(ROOT, 'test/fixtures/hosts/run-and-exit.mjs');
const SECRET_KEY = randomBytes(32).toString('hex');
const DEADLINE_MS = 60_000;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

const binaries = (process.env.GOFER_TEST_NODES ?? '').split(delimiter).filter(Boolean);
const nodes = (binaries.length > 0 ? binaries : [process.execPath]).map((bin) => ({
  bin,
  version: execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).trim(),
}));

const env = (extra: Record<string, string> = {}) => ({ ...process.env, NO_COLOR: '1', NODE_OPTIONS: '', GOFER_CONFIG: '', ...extra });

/** Runs a process to its end; a deadline (a hang guard, not a timing assertion) kills it. */
function runToEnd(bin: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: ROOT, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const guard = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, output });
    });
  });
}

/** One service cycle: start, register a pipeline, run it with the CLI (`run start --wait`), SIGTERM. */
async function serviceCycle(bin: string): Promise<{ service: Ended; cli: Ended }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-exit-svc-'));
  const child = spawn(bin, [GOFER, 'service', 'start', '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--scheduler', 'process'], {
    cwd: ROOT,
    env: env({ GOFER_LOG_LEVEL: 'warn', GOFER_SECRET_KEY: SECRET_KEY }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ended = new Promise<Ended>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  const guard = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  child.stderr.on('data', (d) => (output += d));
  const url = await new Promise<string | undefined>((resolve) => {
    child.stdout.on('data', (d) => {
      output += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve(m[1]);
    });
    void ended.then(() => resolve(undefined));
  });
  let cli: Ended = { code: null, signal: null, output: 'the service ended before the CLI ran' };
  if (url) {
    try {
      const { secret } = (await (await fetch(`${url}/api/tokens/bootstrap`, { method: 'POST' })).json()) as { secret: string };
      const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
      const config = { id: 'exit-paths', name: 'exit paths', tasks: [{ id: 'hello', image: 'none', command: ['sh', '-c', 'echo hello'] }] };
      const registered = await fetch(`${url}/api/pipelines`, { method: 'POST', headers, body: JSON.stringify({ config }) });
      if (registered.status !== 201) throw new Error(`registering answered ${registered.status}: ${await registered.text()}`);
      cli = await runToEnd(bin, [GOFER, 'run', 'start', 'exit-paths', '--wait'], { GOFER_HOST: url, GOFER_TOKEN: secret });
    } catch (err) {
      cli = { code: null, signal: null, output: `driving the service failed: ${(err as Error).message}` };
    }
    child.kill('SIGTERM');
  }
  const service = await ended;
  clearTimeout(guard);
  rmSync(dataDir, { recursive: true, force: true });
  return { service, cli };
}

async function hostCycle(bin: string, ending: 'close' | 'exit'): Promise<Ended> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-exit-host-'));
  try {
    const result = await runToEnd(bin, [HOST, dataDir, ending]);
    // The host must have done its work before it ended.
    return result.output.split('\n').includes('done') ? result : { ...result, code: result.code ?? -1, output: `no "done" line\n${result.output}` };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const KINDS = ['service', 'cli', 'demo', 'host close()', 'host exit without close()'] as const;
type Kind = (typeof KINDS)[number];

/** Runs `count` jobs, `PARALLEL` at a time. */
async function pool(count: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/** Defines and runs this file's test: its share (`part` of `parts`) of the cycles of every path. */
export function cleanExitTest(part: number, parts: number): void {
  const cycles = CYCLES / parts;
  test(`no abnormal exit in ${cycles} cycles of each exit path (part ${part} of ${parts}, ${CYCLES} in all), on ${nodes.map((n) => n.version).join(', ')}`, async () => {
    const failures: string[] = [];
    const lines: string[] = [];
    let total = 0;
    let abnormal = 0;
    for (const { bin, version } of nodes) {
      const counts = Object.fromEntries(KINDS.map((k) => [k, { runs: 0, abnormal: 0 }])) as Record<Kind, { runs: number; abnormal: number }>;
      const record = (kind: Kind, r: Ended) => {
        counts[kind].runs++;
        // Every path ends with 0: the demo as designed, the CLI's run succeeded, the service on SIGTERM.
        const native = /Assertion failed|Native stack trace|FATAL ERROR|Segmentation fault/.test(r.output);
        if (r.signal === null && r.code === 0 && !native) return;
        counts[kind].abnormal++;
        if (failures.length < 5) failures.push(`${version} ${kind}: exit ${r.code}, signal ${r.signal}\n${r.output.slice(-1500)}`);
      };
      // Interleaved, so that every path runs while others start and stop beside it.
      await pool(cycles * 4, async (i) => {
        const round = i % 4;
        if (round === 0) {
          const { service, cli } = await serviceCycle(bin);
          record('service', service);
          record('cli', cli);
        } else if (round === 1) {
          record('demo', await runToEnd(bin, [join(ROOT, 'scripts/demo.mjs')], { GOFER_DEMO_SCHEDULER: 'process' }));
        } else {
          const ending = round === 2 ? 'close' : 'exit';
          record(ending === 'close' ? 'host close()' : 'host exit without close()', await hostCycle(bin, ending));
        }
      });
      const runs = KINDS.reduce((n, k) => n + counts[k].runs, 0);
      const bad = KINDS.reduce((n, k) => n + counts[k].abnormal, 0);
      total += runs;
      abnormal += bad;
      lines.push(`${version}: ${bad} of ${runs} (${KINDS.map((k) => `${k} ${counts[k].abnormal}/${counts[k].runs}`).join(', ')})`);
    }
    figure(`abnormal exits (part ${part} of ${parts}): ${abnormal} of ${total} processes; ${lines.join('; ')}`);
    assert.is(abnormal, 0, failures.join('\n---\n'));
  });

  test.run();
}
