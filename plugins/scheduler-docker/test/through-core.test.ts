/**
 * The Docker scheduler under the real core (createGofer + runs): the env a container sees
 * follows the precedence rules, the core removes containers as removeAfterExit says, and a core
 * closed mid-task and started again on the same data directory re-attaches to the running
 * container instead of starting another.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { createGofer, memoryLogger, Pipeline, Task, type Gofer } from '@gofer/core';
import { dockerAvailable, TEST_IMAGE } from '../../../test/helpers/docker.js';
import { waitFor } from '../../../test/helpers/wait-for.js';
import dockerPlugin from '../src/index.js';

const available = await dockerAvailable();
const tag = randomUUID().slice(0, 8);
const ENV_PIPELINE = `dk-env-${tag}`;
const SLOW_PIPELINE = `dk-slow-${tag}`;
const CLEAN_PIPELINE = `dk-clean-${tag}`;
const dataDir = mkdtempSync(join(tmpdir(), 'gofer-docker-core-'));
const docker = new Docker();

function startCore(): Promise<Gofer> {
  return createGofer({
    useEnv: false,
    logger: memoryLogger('silent'),
    plugins: [dockerPlugin],
    config: { dataDir, scheduler: 'docker', schedulers: { docker: { networkMode: 'none' } }, discover: false, logLevel: 'silent', stopTimeoutMs: 1000 },
  });
}

async function taskLogs(gofer: Gofer, pipelineId: string, runId: number, taskId: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId)) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

if (available) {
  test.after(async () => {
    for (const pipelineId of [ENV_PIPELINE, SLOW_PIPELINE, CLEAN_PIPELINE]) {
      const left = await docker.listContainers({ all: true, filters: { label: [`gofer.pipeline=${pipelineId}`] } });
      await Promise.all(
        left.map((c) =>
          docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => {}),
        ),
      );
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the container env: pipeline variables beat runtime variables beat system variables', async () => {
    const gofer = await startCore();
    try {
      await gofer.pipelines.register(
        new Pipeline(ENV_PIPELINE, 'docker through the core')
          .tasks(new Task('env', TEST_IMAGE).command('env').variables({ FROM_PIPELINE: 'p', BOTH: 'pipeline-wins', GOFER_PIPELINE_ID: 'overridden' }))
          .build(),
      );
      const run = await gofer.runs.start(ENV_PIPELINE, { variables: { BOTH: 'runtime-loses', FROM_RUNTIME: 'r' } });
      const done = await gofer.runs.wait(ENV_PIPELINE, run.runId);
      assert.is(done.status, 'successful');
      const env = Object.fromEntries(
        (await taskLogs(gofer, ENV_PIPELINE, run.runId, 'env'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      assert.is(env.FROM_PIPELINE, 'p');
      assert.is(env.FROM_RUNTIME, 'r');
      assert.is(env.BOTH, 'pipeline-wins');
      assert.is(env.GOFER_PIPELINE_ID, 'overridden');
      assert.is(env.GOFER_RUN_ID, String(run.runId));
      assert.is(env.GOFER_TASK_ID, 'env');
      assert.is(env.GOFER_TASK_IMAGE, TEST_IMAGE);
    } finally {
      await gofer.close();
    }
  });

  test('the core removes each container once it has its final state and logs, as removeAfterExit (config, task) says', async () => {
    const gofer = await startCore();
    try {
      await gofer.pipelines.register(
        new Pipeline(CLEAN_PIPELINE, 'cleanup through the core')
          .tasks(
            new Task('default_ok', TEST_IMAGE).command('sh', '-c', 'echo removed but logged'),
            new Task('kept', TEST_IMAGE).command('true').removeAfterExit('never'),
            new Task('success_only_ok', TEST_IMAGE).command('true').removeAfterExit('on-success'),
            new Task('success_only_bad', TEST_IMAGE).command('sh', '-c', 'exit 3').removeAfterExit('on-success'),
          )
          .build(),
      );
      const run = await gofer.runs.wait(CLEAN_PIPELINE, (await gofer.runs.start(CLEAN_PIPELINE)).runId);
      assert.is(run.status, 'failed');
      // The run completes after its removals: what is left now is what the policies keep.
      const left = await docker.listContainers({ all: true, filters: { label: [`gofer.pipeline=${CLEAN_PIPELINE}`] } });
      assert.equal(left.map((c) => c.Labels['gofer.task']).sort(), ['kept', 'success_only_bad']);
      assert.is(left.find((c) => c.Labels['gofer.task'] === 'success_only_bad')?.State, 'exited');
      assert.is(await taskLogs(gofer, CLEAN_PIPELINE, run.runId, 'default_ok'), 'removed but logged\n');
    } finally {
      await gofer.close();
    }
  });

  test('a core closed mid-task re-attaches after it starts again: same container, complete logs', async () => {
    let gofer = await startCore();
    let runId: number;
    let schedulerId: string | undefined;
    try {
      await gofer.pipelines.register(
        new Pipeline(SLOW_PIPELINE, 'docker through the core')
          .tasks(new Task('slow', TEST_IMAGE).command('sh', '-c', 'echo before; sleep 3; echo after'))
          .build(),
      );
      runId = (await gofer.runs.start(SLOW_PIPELINE)).runId;
      schedulerId = await waitFor('the task to start', async () => (await gofer.tasks.get(SLOW_PIPELINE, runId, 'slow')).schedulerId, { timeoutMs: 30_000 });
    } finally {
      await gofer.close();
    }
    const before = await docker.getContainer(schedulerId).inspect();
    assert.ok(before.State.Running, 'the container outlives the core');
    gofer = await startCore();
    try {
      const done = await gofer.runs.wait(SLOW_PIPELINE, runId);
      assert.is(done.status, 'successful');
      const task = await gofer.tasks.get(SLOW_PIPELINE, runId, 'slow');
      assert.is(task.schedulerId, schedulerId);
      assert.is(task.exitCode, 0);
      assert.is(await taskLogs(gofer, SLOW_PIPELINE, runId, 'slow'), 'before\nafter\n');
    } finally {
      await gofer.close();
    }
  });
}

test.run();
