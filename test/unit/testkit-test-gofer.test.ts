/**
 * `createTestGofer` of @gofer/testkit, as a pipeline author uses it: the demo pipeline's DAG,
 * runtime variable and failure branch, tested on the fake scheduler in memory; time limits and
 * recorded times on its fake clock.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PipelineConfig } from '@gofer/core/api';
import { createTestGofer, FAKE_CLOCK_START, FakeClock } from '@gofer/testkit';
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

const HOUR = 3_600_000;

/** One task `build`, with a time limit when `timeoutMs` is given. */
function buildPipeline(timeoutMs?: number): PipelineConfig {
  return { id: 'build', name: 'build', tasks: [{ id: 'build', image: 'none', ...(timeoutMs ? { timeoutMs } : {}) }] };
}

test("fake clock: a task over its hour-long timeout fails with reason timeout, at the timeout's instant", async () => {
  const gofer = await createTestGofer({ tasks: { build: { hang: true } } });
  try {
    await gofer.pipelines.register(buildPipeline(HOUR));
    const started = await gofer.runs.start('build');
    await gofer.clock.whenPending();
    await gofer.clock.advance(HOUR - 1);
    assert.is((await gofer.tasks.get('build', started.runId, 'build')).state, 'running', 'not timed out a millisecond early');
    await gofer.clock.advance(1);
    // Bounded: a timeout on real time would never fire here and the wait would hang.
    const run = await gofer.runs.wait('build', started.runId, { signal: AbortSignal.timeout(10_000) });
    const task = await gofer.tasks.get('build', run.runId, 'build');
    assert.is(run.status, 'failed');
    assert.is(task.status, 'failed');
    assert.is(task.statusReason?.reason, 'timeout');
    assert.is(task.started, FAKE_CLOCK_START);
    assert.is(task.ended, FAKE_CLOCK_START + HOUR, 'ended when the clock reached the timeout');
    assert.is(gofer.scheduler.stops.length, 1, 'the scheduler was asked to stop it');
  } finally {
    await gofer.close();
  }
});

test('fake clock: a 5-minute task under a 10-minute timeout succeeds, its recorded times 5 minutes apart', async () => {
  const gofer = await createTestGofer({ tasks: { build: { delayMs: 5 * 60_000 } } });
  try {
    await gofer.pipelines.register(buildPipeline(10 * 60_000));
    const started = await gofer.runs.start('build');
    await gofer.clock.whenPending(2); // the task's delay and its timeout
    await gofer.clock.advance(10 * 60_000);
    const run = await gofer.runs.wait('build', started.runId, { signal: AbortSignal.timeout(10_000) });
    const task = await gofer.tasks.get('build', run.runId, 'build');
    assert.is(run.status, 'successful');
    assert.is(task.ended! - task.started!, 5 * 60_000);
    assert.is(run.started, FAKE_CLOCK_START);
    assert.is(gofer.clock.pending, 0, 'the timeout was cleared when the task ended');
  } finally {
    await gofer.close();
  }
});

test('fake clock: events and runs carry its time; a clock given in the options is the one used', async () => {
  const clock = new FakeClock(Date.UTC(2030, 5, 1));
  const gofer = await createTestGofer({ clock });
  try {
    assert.is(gofer.clock, clock);
    await gofer.pipelines.register(buildPipeline());
    await clock.advance(HOUR);
    const { run } = await gofer.run('build');
    assert.is(run.started, Date.UTC(2030, 5, 1) + HOUR);
    const events = await gofer.events.list({ types: ['run.completed'] });
    assert.equal(
      events.map((e) => e.at),
      [Date.UTC(2030, 5, 1) + HOUR],
    );
  } finally {
    await gofer.close();
  }
});

test('FakeClock: timers fire in due order (ties in the order set) with the clock at their instant; cleared ones never', async () => {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
  const cleared = clock.setTimeout(() => fired.push('cleared'), 5);
  clock.clearTimeout(cleared);
  clock.setTimeout(() => fired.push('later'), 31);
  await clock.advance(30);
  assert.equal(fired, ['a@10', 'b@20', 'c@20']);
  assert.is(clock.now(), 30);
  assert.is(clock.pending, 1);
  const waiting = clock.whenPending(2);
  clock.setTimeout(() => {}, 0);
  await waiting;
  await clock.advance(1);
  assert.equal(fired, ['a@10', 'b@20', 'c@20', 'later']);
  const refused = await clock.advance(-1).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.instance(refused, RangeError);
});

test.run();
