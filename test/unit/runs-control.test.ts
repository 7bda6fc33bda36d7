/** Run control (docs/pipelines-and-runs.md): cancel, task timeout, parallelism (per pipeline and global, no deadlock at 1). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

test('wait() answers whenever it is called: before the run starts its tasks, while it runs, as its completion is published, after', async () => {
  const { gofer } = await goferWithFake();
  try {
    await gofer.pipelines.register(new Pipeline('waits', 'x').tasks(new Task('one', IMG), new Task('two', IMG).dependsOn('one')).build());
    const fromListener: Array<Promise<{ status: string }>> = [];
    const off = gofer.events.on((e) => {
      if (e.type === 'run.completed' && e.payload.pipelineId === 'waits') fromListener.push(gofer.runs.wait('waits', e.payload.runId));
    });
    const run = await gofer.runs.start('waits');
    const early = gofer.runs.wait('waits', run.runId);
    const done = await early;
    off();
    assert.is(done.status, 'successful');
    assert.is(fromListener.length, 1);
    assert.is((await fromListener[0]!).status, 'successful');
    assert.is((await gofer.runs.wait('waits', run.runId)).status, 'successful');
  } finally {
    await gofer.close();
  }
});

test('cancel stops running containers with the stop timeout and cancels waiting tasks', async () => {
  const scheduler = new FakeScheduler().script('slow', { hang: true });
  const { gofer } = await goferWithFake({ scheduler, config: { stopTimeoutMs: 1234 } });
  try {
    await gofer.pipelines.register(new Pipeline('cancel-me', 'x').tasks(new Task('slow', IMG), new Task('later', IMG).dependsOn('slow', 'any')).build());
    const run = await gofer.runs.start('cancel-me');
    await waitFor('slow to start', () => scheduler.starts.length === 1);
    await gofer.runs.cancel('cancel-me', run.runId);
    const done = await gofer.runs.wait('cancel-me', run.runId);
    assert.is(done.status, 'cancelled');
    assert.equal(
      scheduler.stops.map((s) => s.timeoutMs),
      [1234],
    );
    const tasks = Object.fromEntries((await gofer.tasks.list('cancel-me', run.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.slow!.status, 'cancelled');
    assert.is(tasks.slow!.statusReason!.reason, 'cancelled');
    assert.is(tasks.later!.status, 'cancelled');
    assert.is(scheduler.starts.length, 1, 'the waiting task never started');
  } finally {
    await gofer.close();
  }
});

test('a container that ignores the graceful stop is still cancelled after the stop timeout', async () => {
  const scheduler = new FakeScheduler().script('stubborn', { hang: true, ignoreGracefulStop: true });
  const { gofer } = await goferWithFake({ scheduler, config: { stopTimeoutMs: 30 } });
  try {
    await gofer.pipelines.register(new Pipeline('cancel-force', 'x').tasks(new Task('stubborn', IMG)).build());
    const run = await gofer.runs.start('cancel-force');
    await waitFor('scheduler.starts.length === 1', () => scheduler.starts.length === 1);
    await gofer.runs.cancel('cancel-force', run.runId);
    assert.is((await gofer.runs.wait('cancel-force', run.runId)).status, 'cancelled');
  } finally {
    await gofer.close();
  }
});

test('a task over its timeoutMs is stopped and fails with reason timeout', async () => {
  const scheduler = new FakeScheduler().script('too_long', { hang: true });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(new Pipeline('timeouts', 'x').tasks(new Task('too_long', IMG).timeoutMs(40)).build());
    const run = await gofer.runs.wait('timeouts', (await gofer.runs.start('timeouts')).runId);
    assert.is(run.status, 'failed');
    const task = await gofer.tasks.get('timeouts', 1, 'too_long');
    assert.is(task.status, 'failed');
    assert.is(task.statusReason!.reason, 'timeout');
    assert.is(scheduler.stops.length, 1);
  } finally {
    await gofer.close();
  }
});

test('pipeline parallelism 1: runs wait pending and all complete, in order (no deadlock)', async () => {
  const scheduler = new FakeScheduler({ delayMs: 5 });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(
      new Pipeline('one-at-a-time', 'x').parallelism(1).tasks(new Task('aaa', IMG), new Task('bbb', IMG).dependsOn('aaa')).build(),
    );
    let running = 0;
    let maxRunning = 0;
    gofer.events.on((e) => {
      if (e.type === 'run.started') maxRunning = Math.max(maxRunning, ++running);
      if (e.type === 'run.completed') running--;
    });
    const runs = await Promise.all(Array.from({ length: 5 }, () => gofer.runs.start('one-at-a-time')));
    assert.equal((await gofer.runs.get('one-at-a-time', 5)).state, 'pending', 'the last run waits');
    const done = await Promise.all(runs.map((r) => gofer.runs.wait('one-at-a-time', r.runId)));
    assert.ok(done.every((r) => r.status === 'successful'));
    assert.is(maxRunning, 1);
    const order = (await gofer.events.list({ types: ['run.started'] })).map((e) => (e.payload as { runId: number }).runId);
    assert.equal(order, [1, 2, 3, 4, 5]);
  } finally {
    await gofer.close();
  }
});

test('global parallelism 1 across pipelines: no deadlock, at most one run at a time', async () => {
  const scheduler = new FakeScheduler({ delayMs: 2 });
  const { gofer } = await goferWithFake({ scheduler, config: { parallelism: 1 } });
  try {
    await gofer.pipelines.register(new Pipeline('global-a', 'x').tasks(new Task('aaa', IMG)).build());
    await gofer.pipelines.register(new Pipeline('global-b', 'x').tasks(new Task('bbb', IMG)).build());
    let running = 0;
    let maxRunning = 0;
    gofer.events.on((e) => {
      if (e.type === 'run.started') maxRunning = Math.max(maxRunning, ++running);
      if (e.type === 'run.completed') running--;
    });
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await gofer.runs.start(i % 2 ? 'global-a' : 'global-b'));
    const done = await Promise.all(runs.map((r) => gofer.runs.wait(r.pipelineId, r.runId)));
    assert.ok(done.every((r) => r.status === 'successful'));
    assert.is(maxRunning, 1);
  } finally {
    await gofer.close();
  }
});

test('cancelling a pending run completes it cancelled without starting anything', async () => {
  const scheduler = new FakeScheduler().script('blocker', { hang: true });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(new Pipeline('pending-cancel', 'x').parallelism(1).tasks(new Task('blocker', IMG)).build());
    const first = await gofer.runs.start('pending-cancel');
    await waitFor('the first run to start', () => scheduler.starts.length === 1);
    const second = await gofer.runs.start('pending-cancel');
    assert.is((await gofer.runs.get('pending-cancel', second.runId)).state, 'pending');
    const cancelled = await gofer.runs.cancel('pending-cancel', second.runId);
    assert.is(cancelled.state, 'complete');
    assert.is(cancelled.status, 'cancelled');
    await gofer.runs.cancel('pending-cancel', first.runId);
    assert.is((await gofer.runs.wait('pending-cancel', first.runId)).status, 'cancelled');
    assert.is(scheduler.starts.length, 1);
  } finally {
    await gofer.close();
  }
});

test('a disabled pipeline refuses runs with ERR_PIPELINE_DISABLED', async () => {
  const { gofer } = await goferWithFake();
  try {
    await gofer.pipelines.register(new Pipeline('disabled', 'x').tasks(new Task('aaa', IMG)).build());
    await gofer.pipelines.disable('disabled');
    try {
      await gofer.runs.start('disabled');
      assert.unreachable();
    } catch (err) {
      assert.is((err as { code: string }).code, 'ERR_PIPELINE_DISABLED');
    }
    await gofer.pipelines.enable('disabled');
    assert.is((await gofer.runs.wait('disabled', (await gofer.runs.start('disabled')).runId)).status, 'successful');
  } finally {
    await gofer.close();
  }
});

test('a vanished container ends the task unknown/orphaned', async () => {
  const scheduler = new FakeScheduler().script('ghost', { hang: true });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(new Pipeline('vanish', 'x').tasks(new Task('ghost', IMG)).build());
    const run = await gofer.runs.start('vanish');
    await waitFor('scheduler.containers.size === 1', () => scheduler.containers.size === 1);
    scheduler.vanish([...scheduler.containers.keys()][0]!);
    assert.is((await gofer.runs.wait('vanish', run.runId)).status, 'failed');
    const task = await gofer.tasks.get('vanish', run.runId, 'ghost');
    assert.is(task.status, 'unknown');
    assert.is(task.statusReason!.reason, 'orphaned');
  } finally {
    await gofer.close();
  }
});

test('closing Gofer rejects pending waits with ERR_GOFER_CLOSED and leaves the run to resume', async () => {
  const scheduler = new FakeScheduler().script('forever', { hang: true });
  const { gofer } = await goferWithFake({ scheduler });
  await gofer.pipelines.register(new Pipeline('close-wait', 'x').tasks(new Task('forever', IMG)).build());
  const run = await gofer.runs.start('close-wait');
  await waitFor('scheduler.starts.length === 1', () => scheduler.starts.length === 1);
  const waiting = gofer.runs.wait('close-wait', run.runId).then(
    () => 'resolved',
    (err: { code?: string }) => err.code,
  );
  await gofer.close();
  assert.is(await waiting, 'ERR_GOFER_CLOSED');
  assert.is(scheduler.stops.length, 0, 'closing does not stop containers');
});

test('a throwing event listener does not disturb the run or other listeners', async () => {
  const { gofer } = await goferWithFake();
  try {
    await gofer.pipelines.register(new Pipeline('bad-listener', 'x').tasks(new Task('aaa', IMG)).build());
    gofer.events.on(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    gofer.events.on((e) => seen.push(e.type));
    assert.is((await gofer.runs.wait('bad-listener', (await gofer.runs.start('bad-listener')).runId)).status, 'successful');
    assert.ok(seen.includes('run.completed'));
  } finally {
    await gofer.close();
  }
});

test.run();
