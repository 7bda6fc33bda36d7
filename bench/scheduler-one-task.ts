/**
 * One task through the Docker scheduler (start, logs to EOF, state, remove) against raw
 * dockerode create/start/wait/remove on the same image. Goal: ratio <= 1.10. Also one task
 * through the full core (createGofer + runs.start + runs.wait) against the same raw baseline.
 *   TSX_TSCONFIG_PATH=tsconfig.tsx.json node --conditions=gofer-source --import tsx bench/scheduler-one-task.ts [rounds]
 */
import { alternate, benchScheduler, cleanup, rawTask, report, schedulerTask } from './scheduler-bench-kit.js';
import { startCoreBench, type CoreBench } from './scheduler-core-kit.js';

const rounds = Number(process.argv[2] ?? 15);
const scheduler = benchScheduler();
const command = ['true'];
let core: CoreBench | undefined;
try {
  try {
    core = await startCoreBench(command);
  } catch (err) {
    console.log(`full core: not measured (${(err as Error).message.split('\n')[0]}); run with TSX_TSCONFIG_PATH=tsconfig.tsx.json`);
  }
  for (let i = 0; i < 2; i++) {
    await rawTask(command);
    await schedulerTask(scheduler, command);
    await core?.runOnce();
  } // warm-up
  const candidates: Record<string, () => Promise<unknown>> = { gofer: () => schedulerTask(scheduler, command), raw: () => rawTask(command) };
  if (core) {
    const viaCore = core;
    candidates.core = () => viaCore.runOnce();
  }
  const { medians, pairedRatios } = await alternate(rounds, candidates);
  report({
    row: 'one task, scheduler',
    ours: medians.gofer!,
    raw: medians.raw!,
    unit: 'ms',
    rawName: 'raw dockerode',
    ratio: medians.gofer! / medians.raw!,
    paired: pairedRatios.gofer!,
    op: '<=',
    goal: 1.1,
  });
  if (medians.core !== undefined)
    report({
      row: 'one task, full core',
      ours: medians.core,
      raw: medians.raw!,
      unit: 'ms',
      rawName: 'raw dockerode',
      ratio: medians.core / medians.raw!,
      paired: pairedRatios.core!,
      op: '<=',
      goal: 1.1,
    });
  console.log(`  (${rounds} alternating rounds; the full core is createGofer + runs.start + runs.wait)`);
} finally {
  await core?.close();
  await scheduler.close();
  await cleanup();
}
