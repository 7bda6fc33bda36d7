/**
 * "One Gofer task" through the full core: createGofer with the Docker scheduler plugin, one
 * pipeline of one task, `runs.start` + `runs.wait`. Needs the decorator-enabled tsx config:
 * `TSX_TSCONFIG_PATH=tsconfig.tsx.json`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TAG, docker, TEST_IMAGE } from './scheduler-bench-kit.js';

/** A started core and a function that runs the one-task pipeline once. */
export interface CoreBench {
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a core on the Docker scheduler with a one-task pipeline running `command`. */
export async function startCoreBench(command: string[]): Promise<CoreBench> {
  const { createGofer, memoryLogger, Pipeline, Task } = await import('@gofer/core');
  const dockerPlugin = (await import('@gofer/scheduler-docker')).default;
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-core-bench-'));
  const pipelineId = BENCH_TAG.slice(0, 32);
  const gofer = await createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    plugins: [dockerPlugin],
    config: { dataDir, scheduler: 'docker', schedulers: { docker: { networkMode: 'none' } }, discover: false, logLevel: 'silent' },
  });
  await gofer.pipelines.register(new Pipeline(pipelineId, 'scheduler bench').tasks(new Task('one', TEST_IMAGE).command(...command)).build());
  return {
    async runOnce() {
      const run = await gofer.runs.start(pipelineId);
      const done = await gofer.runs.wait(pipelineId, run.runId);
      if (done.status !== 'successful') throw new Error(`run ended ${done.status}`);
    },
    async close() {
      await gofer.close();
      const left = await docker.listContainers({ all: true, filters: { label: [`gofer.pipeline=${pipelineId}`] } });
      await Promise.all(
        left.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => {}),
        ),
      );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
