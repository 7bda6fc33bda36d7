/**
 * `createTestGofer` of @gofer/testkit, as a pipeline author uses it: the demo pipeline's DAG,
 * runtime variable and failure branch, tested on the fake scheduler in memory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTestGofer } from '@gofer/testkit';
import { demoPipeline } from '../../examples/pipelines/demo.js';

test('the demo pipeline: test fails, so deploy is skipped and notify runs', async () => {
  const gofer = await createTestGofer({
    tasks: { test: { exitCode: 3, output: [{ stream: 'stderr', data: 'check 3 failed\n' }] } },
  });
  try {
    await gofer.pipelines.register(demoPipeline().build());
    const { run, tasks } = await gofer.run('demo', { variables: { GREETING_NAME: 'Ada' } });

    assert.is(run.status, 'failed');
    assert.is(tasks.greet!.status, 'successful');
    assert.is(tasks.test!.status, 'failed');
    assert.is(tasks.test!.exitCode, 3);
    assert.is(tasks.deploy!.status, 'skipped');
    assert.is(tasks.notify!.status, 'successful');
    assert.is(await gofer.logsOf('demo', run.runId, 'test'), 'check 3 failed\n');

    // The runtime variable reached the tasks, marked as coming from the run's options.
    const name = tasks.notify!.variables.find((v) => v.key === 'GREETING_NAME');
    assert.equal(name, { key: 'GREETING_NAME', value: 'Ada', source: 'run_options' });
    // What the scheduler was asked to run, in order of the DAG.
    assert.equal(
      gofer.scheduler.starts.map((r) => r.labels['gofer.task']),
      ['greet', 'test', 'notify'],
    );
  } finally {
    await gofer.close();
  }
});

test('the demo pipeline: when test passes, deploy runs and notify is skipped', async () => {
  const gofer = await createTestGofer();
  try {
    await gofer.pipelines.register(demoPipeline().build());
    const { run, tasks } = await gofer.run('demo');
    assert.is(run.status, 'successful');
    assert.is(tasks.deploy!.status, 'successful');
    assert.is(tasks.notify!.status, 'skipped');
  } finally {
    await gofer.close();
  }
});

test('a start failure fails the task with scheduler_error and skips what depends on it', async () => {
  const gofer = await createTestGofer({ tasks: { greet: { startError: new Error('image not found') } } });
  try {
    await gofer.pipelines.register(demoPipeline().build());
    const { run, tasks } = await gofer.run('demo');
    assert.is(run.status, 'failed');
    assert.is(tasks.greet!.status, 'failed');
    assert.is(tasks.greet!.statusReason?.reason, 'scheduler_error');
    assert.is(tasks.test!.status, 'skipped');
  } finally {
    await gofer.close();
  }
});

test('a task that hangs runs until the run is cancelled', async () => {
  const gofer = await createTestGofer({ tasks: { greet: { hang: true } } });
  try {
    await gofer.pipelines.register(demoPipeline().build());
    const started = await gofer.runs.start('demo');
    // Cancel once greet is running (the signal only bounds a broken test).
    for await (const event of gofer.events.follow({ types: ['task.started'], signal: AbortSignal.timeout(10_000) })) {
      if (event.type === 'task.started') break;
    }
    await gofer.runs.cancel('demo', started.runId);
    const run = await gofer.runs.wait('demo', started.runId);
    assert.is(run.status, 'cancelled');
    assert.is((await gofer.tasks.get('demo', run.runId, 'greet')).status, 'cancelled');
    assert.is(gofer.scheduler.stops.length, 1);
  } finally {
    await gofer.close();
  }
});

test.run();
