/**
 * The core hosted in a child process for crash-recovery.test.ts: a real data directory and the
 * Docker scheduler. `start` registers the pipeline, starts the runs and reports every event on
 * stdout (one JSON object per line) until it is killed; `resume` starts on the same data
 * directory, waits for every run and prints the outcome.
 *   crash-child.ts start|resume <dataDir> <pipelineId>
 */
import { createGofer, Pipeline, Task } from '@gofer/core';
import docker from '@gofer/scheduler-docker';
import { TEST_IMAGE } from '../helpers/docker.js';

const [mode, dataDir, pipelineId] = process.argv.slice(2) as [string, string, string];
const emit = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const gofer = await createGofer({
  useEnv: false,
  plugins: [docker],
  config: {
    dataDir,
    scheduler: 'docker',
    discover: false,
    logLevel: 'warn',
    stopTimeoutMs: 1000,
    // Every container is kept for the parent to inspect (ids, one per task): no removal after
    // exit, and no orphan reaping at start-up (it would remove those of finished tasks).
    removeAfterExit: 'never',
    schedulers: { docker: { networkMode: 'none', pullPolicy: 'never' } },
    reapOrphans: false,
  },
});

if (mode === 'start') {
  // follow() yields committed events only: what the parent sees is what the next core finds.
  void (async () => {
    for await (const e of gofer.events.follow()) emit({ event: e.type, payload: e.payload });
  })();
  await gofer.pipelines.register(
    new Pipeline(pipelineId, 'crash test')
      .tasks(
        new Task('slow_a', TEST_IMAGE).command('sh', '-c', 'echo a-start; sleep 6; echo a-end'),
        new Task('slow_b', TEST_IMAGE).command('sh', '-c', 'echo b-start; sleep 6; echo b-end; exit $B_EXIT'),
        new Task('fast', TEST_IMAGE).command('echo', 'fast'),
        new Task('mid', TEST_IMAGE).command('sh', '-c', 'echo mid-start; sleep 1; echo mid-end'),
        new Task('after_a', TEST_IMAGE).command('sh', '-c', 'echo after-a $GOFER_RUN_ID').dependsOn('slow_a', 'success'),
        new Task('on_b_fail', TEST_IMAGE).command('echo', 'b failed').dependsOn('slow_b', 'failure'),
        new Task('after_b', TEST_IMAGE).command('echo', 'after-b').dependsOn('slow_b', 'success'),
      )
      .build(),
  );
  await gofer.runs.start(pipelineId, { variables: { B_EXIT: '0' } });
  await gofer.runs.start(pipelineId, { variables: { B_EXIT: '3' } });
  emit({ ready: true });
  setInterval(() => undefined, 60_000); // stay up until killed
} else {
  const outcome = [];
  for (const run of await gofer.runs.list(pipelineId)) {
    const done = await gofer.runs.wait(pipelineId, run.runId);
    const tasks = [];
    for (const task of await gofer.tasks.list(pipelineId, run.runId)) {
      const chunks: Uint8Array[] = [];
      for await (const c of gofer.tasks.logs(pipelineId, run.runId, task.taskId)) chunks.push(c);
      tasks.push({
        taskId: task.taskId,
        status: task.status,
        reason: task.statusReason?.reason,
        schedulerId: task.schedulerId,
        log: Buffer.concat(chunks).toString('utf8'),
      });
    }
    outcome.push({ runId: run.runId, status: done.status, tasks });
  }
  emit({ outcome });
  await gofer.close();
  process.exit(0);
}
