/**
 * The core owns container cleanup: once a task's final state is durable and its whole output
 * is in the log file, the core asks the scheduler to remove its container, as removeAfterExit
 * (config, or the task's own) says; the run completes after its removals have settled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, type Gofer, type GoferConfigInput } from '@gofer/core';
import type { ContainerRef, LogChunk } from '@gofer/core/api';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const IMG = 'gofer-test/busybox:latest';

/** The fake, with every removal recorded and a hook that runs before it. */
class RemovalWatchingScheduler extends FakeScheduler {
  readonly removed: string[] = [];
  beforeRemove: ((taskId: string) => Promise<void>) | undefined;
  removeError: Error | undefined;
  /** Task ids whose log stream fails after its first chunk. */
  readonly brokenLogs = new Set<string>();

  taskOf(schedulerId: string): string {
    return this.starts.find((r, i) => `fake-${i + 1}` === schedulerId)?.labels['gofer.task'] ?? '?';
  }

  override async removeContainer(req: ContainerRef): Promise<void> {
    const taskId = this.taskOf(req.schedulerId);
    this.removed.push(taskId);
    await this.beforeRemove?.(taskId);
    if (this.removeError) throw this.removeError;
    return super.removeContainer(req);
  }

  override async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const logs = await super.getLogs(req);
    if (!this.brokenLogs.has(this.taskOf(req.schedulerId))) return logs;
    return (async function* () {
      for await (const chunk of logs) {
        yield chunk;
        throw new Error('the engine dropped the log stream');
      }
    })();
  }
}

async function logOf(gofer: Gofer, pipelineId: string, runId: number, taskId: string): Promise<string> {
  let text = '';
  for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId)) text += Buffer.from(chunk).toString();
  return text;
}

async function runOnce(scheduler: RemovalWatchingScheduler, pipeline: Pipeline, config: Partial<GoferConfigInput> = {}) {
  const { gofer, logger } = await goferWithFake({ scheduler, config });
  await gofer.pipelines.register(pipeline.build());
  const { pipelineId } = await gofer.pipelines.get(pipeline.toJSON().id);
  const run = await gofer.runs.wait(pipelineId, (await gofer.runs.start(pipelineId)).runId);
  return { gofer, logger, run };
}

test('always (the default): removed only once the completion is on disk and the whole output is in the log file; the run ends after', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-cleanup-'));
  const scheduler = new RemovalWatchingScheduler().script('talk', { output: ['one\n', 'two\n'], exitCode: 3 }).script('quiet', {});
  const { gofer } = await goferWithFake({ scheduler, config: { dataDir } });
  const seen: Array<{ taskId: string; stored: string | undefined; log: string; runState: string }> = [];
  const reader = openSqlite(join(dataDir, 'gofer.db'), { readOnly: true });
  try {
    scheduler.beforeRemove = async (taskId) => {
      // Another connection sees only committed rows: the completion is durable, not merely written.
      const row = reader.prepare("SELECT state FROM task_executions WHERE pipeline_id = 'clean' AND task_id = ?").get(taskId) as { state: string } | undefined;
      seen.push({ taskId, stored: row?.state, log: await logOf(gofer, 'clean', 1, taskId), runState: (await gofer.runs.get('clean', 1)).state });
    };
    await gofer.pipelines.register(new Pipeline('clean', 'x').tasks(new Task('talk', IMG), new Task('quiet', IMG).dependsOn('talk', 'any')).build());
    const run = await gofer.runs.wait('clean', (await gofer.runs.start('clean')).runId);
    assert.is(run.status, 'failed');
    assert.equal(seen, [
      { taskId: 'talk', stored: 'complete', log: 'one\ntwo\n', runState: 'running' },
      { taskId: 'quiet', stored: 'complete', log: '', runState: 'running' },
    ]);
    assert.is(scheduler.containers.size, 0, 'nothing is left on the scheduler once the run is complete');
  } finally {
    reader.close();
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('on-success keeps the containers of tasks that did not succeed; never keeps all; a task setting beats the config', async () => {
  const outcomes = () => new RemovalWatchingScheduler().script('good', {}).script('bad', { exitCode: 1 });
  const pipeline = (id: string, task: (t: Task) => Task = (t) => t) =>
    new Pipeline(id, 'x').tasks(task(new Task('good', IMG)), new Task('bad', IMG).dependsOn('good', 'any'));

  const onSuccess = outcomes();
  const a = await runOnce(onSuccess, pipeline('on-success'), { removeAfterExit: 'on-success' });
  await a.gofer.close();
  assert.equal(onSuccess.removed, ['good']);

  const never = outcomes();
  const b = await runOnce(never, pipeline('never'), { removeAfterExit: 'never' });
  await b.gofer.close();
  assert.equal(never.removed, []);
  assert.is(never.containers.size, 2);

  const override = outcomes();
  const c = await runOnce(
    override,
    pipeline('override', (t) => t.removeAfterExit('never')),
    { removeAfterExit: 'always' },
  );
  await c.gofer.close();
  assert.equal(override.removed, ['bad'], "the task's own never keeps its container; the other follows the config");
});

test('a container whose output could not be read to the end is kept, with a warning', async () => {
  const scheduler = new RemovalWatchingScheduler().script('cut', { output: ['first\n', 'second\n'] });
  scheduler.brokenLogs.add('cut');
  const { gofer, logger, run } = await runOnce(scheduler, new Pipeline('cut-off', 'x').tasks(new Task('cut', IMG)));
  try {
    assert.is(run.status, 'successful');
    assert.equal(scheduler.removed, []);
    assert.ok(
      logger.entries.some((e) => e.message.startsWith('keeping the container') && e.fields.task === 'cut'),
      JSON.stringify(logger.entries),
    );
  } finally {
    await gofer.close();
  }
});

test('a removal that fails leaves the outcome alone and says the reaper will remove it', async () => {
  const scheduler = new RemovalWatchingScheduler().script('fine', {});
  scheduler.removeError = new Error('engine busy');
  const { gofer, logger, run } = await runOnce(scheduler, new Pipeline('rm-fails', 'x').tasks(new Task('fine', IMG)));
  try {
    assert.is(run.status, 'successful');
    assert.equal(scheduler.removed, ['fine']);
    const warning = logger.entries.find((e) => e.message.startsWith('could not remove the container'));
    assert.ok(warning, JSON.stringify(logger.entries));
    assert.is(warning.fields.error, 'engine busy');
    assert.match(warning.message, 'orphan reaper');
  } finally {
    await gofer.close();
  }
});

test('removeAfterExit is validated in the config and on a task', async () => {
  const bad = await goferWithFake({ config: { removeAfterExit: 'sometimes' as never } }).then(
    () => 'started',
    (err: Error & { code?: string }) => `${err.code}: ${err.message}`,
  );
  assert.match(bad, /^ERR_CONFIG_INVALID: [^]*removeAfterExit/);
  const problems = (() => {
    try {
      new Pipeline('bad-task', 'x').tasks({ id: 'one', image: IMG, removeAfterExit: 'later' as never }).build();
      return [];
    } catch (err) {
      return (err as { details: { problems: Array<{ path: string } | string> } }).details.problems;
    }
  })();
  assert.ok(JSON.stringify(problems).includes('/tasks/0/removeAfterExit'), JSON.stringify(problems));
});

test.run();
