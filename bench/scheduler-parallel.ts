/**
 * 50 tasks in parallel through the Docker scheduler against 50 raw dockerode
 * create/start/wait/remove in parallel (wall time). Goal: ratio <= 1.15.
 *   node --conditions=gofer-source --import tsx bench/scheduler-parallel.ts [rounds] [tasks]
 */
import { alternate, benchScheduler, cleanup, rawTask, report, schedulerTask } from './scheduler-bench-kit.js';

const rounds = Number(process.argv[2] ?? 5);
const tasks = Number(process.argv[3] ?? 50);
const scheduler = benchScheduler();
const command = ['true'];
const all = (fn: () => Promise<void>) => () => Promise.all(Array.from({ length: tasks }, fn));
try {
  await all(() => rawTask(command))();
  await all(() => schedulerTask(scheduler, command))();
  const { medians, pairedRatios } = await alternate(rounds, { gofer: all(() => schedulerTask(scheduler, command)), raw: all(() => rawTask(command)) });
  report({
    row: `${tasks} tasks in parallel`,
    ours: medians.gofer!,
    raw: medians.raw!,
    unit: 'ms',
    rawName: 'raw dockerode (wall)',
    ratio: medians.gofer! / medians.raw!,
    paired: pairedRatios.gofer!,
    op: '<=',
    goal: 1.15,
  });
  console.log(`  (${rounds} alternating rounds, wall time of all ${tasks})`);
} finally {
  await scheduler.close();
  await cleanup();
}
