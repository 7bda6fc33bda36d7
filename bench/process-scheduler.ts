/**
 * The process scheduler through the whole core: a run of N `true` tasks, as a chain (each task
 * depends on the one before) and all in parallel, against the same N processes spawned raw
 * with `node:child_process` (one after another, or all at once). Rounds alternate Gofer and
 * the baseline; the verdict uses the median of the per-round ratios.
 *
 *   node --conditions=gofer-source --import tsx bench/process-scheduler.ts [tasks=20] [rounds=15]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGofer, Pipeline, Task } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import { median, verdict } from './verdict-kit.js';

const tasks = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 15);

/** One raw `true`, resolved on its exit (what the scheduler must at least pay per task). */
function rawTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`true exited ${code}`))));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-bench-process-'));
const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
const gofer = await createGofer({
  useEnv: false,
  plugins: [processScheduler],
  config: { dataDir, scheduler: 'process', discover: false, logLevel: 'error' },
});
try {
  const chain = Array.from({ length: tasks }, (_, i) => {
    const task = new Task(`task_${i}`, 'none').command('true');
    return i === 0 ? task : task.dependsOn(`task_${i - 1}`);
  });
  const parallel = Array.from({ length: tasks }, (_, i) => new Task(`task_${i}`, 'none').command('true'));
  await gofer.pipelines.register(new Pipeline('chain', 'chain').tasks(...chain).build());
  await gofer.pipelines.register(new Pipeline('parallel', 'parallel').tasks(...parallel).build());

  const runOnce = async (pipeline: string) => {
    const { runId } = await gofer.runs.start(pipeline);
    const run = await gofer.runs.wait(pipeline, runId);
    if (run.status !== 'successful') throw new Error(`${pipeline} run ${runId} ended ${run.status}`);
  };
  const candidates = {
    'chain gofer': () => runOnce('chain'),
    'chain raw': async () => {
      for (let i = 0; i < tasks; i++) await rawTrue();
    },
    'parallel gofer': () => runOnce('parallel'),
    'parallel raw': () => Promise.all(Array.from({ length: tasks }, rawTrue)),
  };
  for (const fn of Object.values(candidates)) await fn(); // warm-up: JIT, statement cache, page cache

  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(candidates);
    for (const name of round % 2 ? names.reverse() : names) samples[name]!.push(await timed(candidates[name as keyof typeof candidates]));
  }
  const paired = (gofer: string, raw: string) => median(samples[gofer]!.map((v, i) => v / samples[raw]![i]!));
  const perStep = (name: string) => `${(median(samples[name]!) / tasks).toFixed(2)} ms/task`;

  console.log(`process scheduler: ${rounds} rounds of a ${tasks}-task run of \`true\`, Node ${process.versions.node}`);
  verdict({
    row: `process chain of ${tasks}`,
    gofer: perStep('chain gofer'),
    baseline: `${perStep('chain raw')} sequential raw spawn`,
    value: paired('chain gofer', 'chain raw'),
    op: '<=',
    goal: 1.5,
  });
  verdict({
    row: `process ${tasks} parallel`,
    gofer: `${median(samples['parallel gofer']!).toFixed(1)} ms/run`,
    baseline: `${median(samples['parallel raw']!).toFixed(1)} ms for ${tasks} raw spawns at once`,
    value: paired('parallel gofer', 'parallel raw'),
    op: '<=',
    goal: 1.5,
  });
  verdict({ row: 'process warnings', gofer: `${warnings.length} process warnings`, baseline: 'none', value: warnings.length, op: '<=', goal: 0, unit: '' });
  for (const w of new Set(warnings)) console.log(`  warning: ${w}`);
} finally {
  await gofer.close();
  rmSync(dataDir, { recursive: true, force: true });
}
