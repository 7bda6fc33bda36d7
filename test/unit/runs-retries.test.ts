/**
 * Issue 15, items 2-4 on the fake scheduler and the fake clock (docs/pipelines-and-runs.md,
 * "Retries, cancelling one task, run timeouts"): automatic retries with attempts (each its own
 * request id, log, exit code and times; GOFER_TASK_ATTEMPT), single-task cancel and its
 * dependents, run timeouts on the pipeline and per run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import type { GoferEvent } from '@gofer/core/api';
import { createTestGofer, type TestGofer } from '@gofer/testkit';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

function collect(gofer: TestGofer): GoferEvent[] {
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  return events;
}

async function logOf(gofer: TestGofer, p: string, r: number, t: string, attempt?: number): Promise<string> {
  let text = '';
  for await (const chunk of gofer.tasks.logs(p, r, t, attempt === undefined ? {} : { attempt })) text += Buffer.from(chunk).toString();
  return text;
}

test('a retried task that fails twice then succeeds: three attempts, each with its own request id, log, exit code and GOFER_TASK_ATTEMPT', async () => {
  const gofer = await createTestGofer({
    tasks: {
      flaky: {
        output: ['third time lucky\n'],
        attempts: [
          { exitCode: 1, output: ['attempt one failed\n'] },
          { exitCode: 7, output: ['attempt two failed\n'] },
        ],
      },
    },
  });
  try {
    const events = collect(gofer);
    await gofer.pipelines.register(new Pipeline('retry-ok', 'x').tasks(new Task('flaky', IMG).retries({ limit: 3 })).build());
    const { run, tasks } = await gofer.run('retry-ok');
    assert.is(run.status, 'successful');
    assert.is(tasks.flaky!.status, 'successful');
    assert.is(tasks.flaky!.attempt, 3);
    const starts = gofer.scheduler.startsOf('flaky');
    assert.equal(
      starts.map((s) => s.variables['GOFER_TASK_ATTEMPT']),
      ['1', '2', '3'],
    );
    assert.equal(
      starts.map((s) => s.id),
      ['retry-ok_1_flaky', 'retry-ok_1_flaky.2', 'retry-ok_1_flaky.3'],
    );
    assert.equal(
      starts.map((s) => s.labels['gofer.attempt']),
      [undefined, '2', '3'],
    );
    const attempts = await gofer.tasks.attempts('retry-ok', 1, 'flaky');
    assert.equal(
      attempts.map((a) => [a.attempt, a.state, a.status, a.exitCode, a.statusReason?.reason]),
      [
        [1, 'complete', 'failed', 1, 'abnormal_exit'],
        [2, 'complete', 'failed', 7, 'abnormal_exit'],
        [3, 'complete', 'successful', 0, undefined],
      ],
    );
    assert.equal(new Set(attempts.map((a) => a.schedulerId)).size, 3, 'three containers');
    for (const a of attempts) assert.ok(a.started !== undefined && a.ended !== undefined, `attempt ${a.attempt} has its times`);
    assert.is(await logOf(gofer, 'retry-ok', 1, 'flaky', 1), 'attempt one failed\n');
    assert.is(await logOf(gofer, 'retry-ok', 1, 'flaky', 2), 'attempt two failed\n');
    assert.is(await logOf(gofer, 'retry-ok', 1, 'flaky', 3), 'third time lucky\n');
    assert.is(await logOf(gofer, 'retry-ok', 1, 'flaky'), 'third time lucky\n', 'the default is the last attempt');
    const retrying = events.filter((e) => e.type === 'task.retrying').map((e) => e.payload);
    assert.equal(
      retrying.map((p) => [(p as { attempt: number }).attempt, (p as { reason: string }).reason]),
      [
        [2, 'abnormal_exit'],
        [3, 'abnormal_exit'],
      ],
    );
    assert.is(events.filter((e) => e.type === 'task.completed').length, 1, 'the task completes once');
    try {
      await logOf(gofer, 'retry-ok', 1, 'flaky', 4);
      assert.unreachable('attempt 4 does not exist');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ERR_NOT_FOUND');
    }
  } finally {
    await gofer.close();
  }
});

test('retries exhausted: the final status is the last attempt’s', async () => {
  const gofer = await createTestGofer({ tasks: { broken: { exitCode: 2 } } });
  try {
    await gofer.pipelines.register(new Pipeline('retry-out', 'x').tasks(new Task('broken', IMG).retries({ limit: 2 })).build());
    const { run, tasks } = await gofer.run('retry-out');
    assert.is(run.status, 'failed');
    assert.is(tasks.broken!.status, 'failed');
    assert.is(tasks.broken!.statusReason!.reason, 'abnormal_exit');
    assert.is(tasks.broken!.exitCode, 2);
    assert.is(tasks.broken!.attempt, 3);
    assert.is(gofer.scheduler.startsOf('broken').length, 3);
    assert.is((await gofer.tasks.attempts('retry-out', 1, 'broken')).length, 3);
  } finally {
    await gofer.close();
  }
});

test('a reason not in `on` is not retried; one in `on` is (scheduler_error)', async () => {
  const gofer = await createTestGofer({
    tasks: {
      exits: { exitCode: 1 },
      nostart: { attempts: [{ startError: new Error('engine busy') }] },
    },
  });
  try {
    await gofer.pipelines.register(
      new Pipeline('retry-on', 'x')
        .tasks(new Task('exits', IMG).retries({ limit: 3, on: ['scheduler_error'] }), new Task('nostart', IMG).retries({ limit: 3, on: ['scheduler_error'] }))
        .build(),
    );
    const { tasks } = await gofer.run('retry-on');
    assert.is(tasks.exits!.status, 'failed');
    assert.is(tasks.exits!.attempt, 1, 'abnormal_exit is not in on: no retry');
    assert.is(gofer.scheduler.startsOf('exits').length, 1);
    assert.is(tasks.nostart!.status, 'successful');
    assert.is(tasks.nostart!.attempt, 2);
    const [first] = await gofer.tasks.attempts('retry-on', 1, 'nostart');
    assert.is(first!.statusReason!.reason, 'scheduler_error');
    assert.ok(first!.statusReason!.description.includes('engine busy'));
  } finally {
    await gofer.close();
  }
});

test('the backoff is on the clock and grows by the factor: 1000, 3000, 9000 ms', async () => {
  const gofer = await createTestGofer({ tasks: { waits: { exitCode: 1 } } });
  try {
    const events = collect(gofer);
    await gofer.pipelines.register(new Pipeline('backoff', 'x').tasks(new Task('waits', IMG).retries({ limit: 3, backoffMs: 1000, factor: 3 })).build());
    const started = await gofer.runs.start('backoff');
    const t0 = gofer.clock.now();
    const startsAfter = async (n: number) => waitFor(`${n} starts`, () => gofer.scheduler.startsOf('waits').length === n);
    await startsAfter(1);
    for (const [n, wait] of [
      [2, 1000],
      [3, 3000],
      [4, 9000],
    ] as const) {
      await waitFor(`the task to wait before attempt ${n}`, async () => (await gofer.tasks.get('backoff', started.runId, 'waits')).state === 'retrying');
      const task = await gofer.tasks.get('backoff', started.runId, 'waits');
      assert.is(task.attempt, n);
      assert.is(task.retryAt, gofer.clock.now() + wait, `the wait before attempt ${n}`);
      await gofer.clock.whenPending();
      await gofer.clock.advance(wait - 1);
      assert.is(gofer.scheduler.startsOf('waits').length, n - 1, `attempt ${n} has not started 1 ms before its time`);
      await gofer.clock.advance(1);
      await startsAfter(n);
    }
    const run = await gofer.runs.wait('backoff', started.runId);
    assert.is(run.status, 'failed');
    assert.is(gofer.clock.now() - t0, 13_000);
    assert.equal(
      events.filter((e) => e.type === 'task.retrying').map((e) => (e.payload as { retryAt: number }).retryAt - t0),
      [1000, 4000, 13_000],
    );
  } finally {
    await gofer.close();
  }
});

test('timeout and orphaned attempts are retried when `on` lists them', async () => {
  const gofer = await createTestGofer({ tasks: { slowpoke: { attempts: [{ hang: true }] }, vanisher: { attempts: [{ hang: true }] } } });
  try {
    await gofer.pipelines.register(
      new Pipeline('retry-kinds', 'x')
        .tasks(
          new Task('slowpoke', IMG).timeoutMs(500).retries({ limit: 1, on: ['timeout'] }),
          new Task('vanisher', IMG).retries({ limit: 1, on: ['orphaned'] }),
        )
        .build(),
    );
    const started = await gofer.runs.start('retry-kinds');
    await waitFor('both to start', () => gofer.scheduler.starts.length === 2);
    gofer.scheduler.vanish([...gofer.scheduler.containers.values()].find((c) => c.request.labels['gofer.task'] === 'vanisher')!.schedulerId);
    await gofer.clock.whenPending();
    await gofer.clock.advance(500);
    const run = await gofer.runs.wait('retry-kinds', started.runId);
    assert.is(run.status, 'successful');
    const slow = await gofer.tasks.attempts('retry-kinds', started.runId, 'slowpoke');
    assert.equal(
      slow.map((a) => a.statusReason?.reason ?? a.status),
      ['timeout', 'successful'],
    );
    const gone = await gofer.tasks.attempts('retry-kinds', started.runId, 'vanisher');
    assert.equal(
      gone.map((a) => a.statusReason?.reason ?? a.status),
      ['orphaned', 'successful'],
    );
  } finally {
    await gofer.close();
  }
});

test('cancelling one running task: its container is stopped; an `any` dependent runs, a `success` dependent is skipped; the run fails', async () => {
  const gofer = await createTestGofer({ tasks: { sleeper: { hang: true } }, config: { stopTimeoutMs: 777 } });
  try {
    const events = collect(gofer);
    await gofer.pipelines.register(
      new Pipeline('cancel-one', 'x')
        .tasks(
          new Task('sleeper', IMG),
          new Task('after_any', IMG).dependsOn('sleeper', 'any'),
          new Task('after_ok', IMG).dependsOn('sleeper', 'success'),
          new Task('beside', IMG),
        )
        .build(),
    );
    const started = await gofer.runs.start('cancel-one');
    await waitFor('sleeper to run', async () => (await gofer.tasks.get('cancel-one', started.runId, 'sleeper')).state === 'running');
    const after = await gofer.tasks.cancel('cancel-one', started.runId, 'sleeper');
    assert.is(after.cancelRequested, true);
    const run = await gofer.runs.wait('cancel-one', started.runId);
    const tasks = Object.fromEntries((await gofer.tasks.list('cancel-one', started.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.sleeper!.status, 'cancelled');
    assert.ok(tasks.sleeper!.statusReason!.description.includes('task was cancelled'));
    assert.is(tasks.after_any!.status, 'successful');
    assert.is(tasks.after_ok!.status, 'skipped');
    assert.is(tasks.beside!.status, 'successful');
    assert.is(run.status, 'failed');
    assert.equal(
      gofer.scheduler.stops.map((s) => s.timeoutMs),
      [777],
      'graceful stop with the stop timeout (the scheduler forces it after)',
    );
    assert.is(events.filter((e) => e.type === 'task.cancel_requested').length, 1);
    assert.is(events.filter((e) => e.type === 'run.cancel_requested').length, 0, 'the run itself was not cancelled');
  } finally {
    await gofer.close();
  }
});

test('cancelling a task that has not started, one in its retry backoff, and one of a complete run', async () => {
  const gofer = await createTestGofer({ tasks: { parent: { hang: true }, retrier: { exitCode: 1 } } });
  try {
    await gofer.pipelines.register(
      new Pipeline('cancel-states', 'x')
        .tasks(new Task('parent', IMG), new Task('child', IMG).dependsOn('parent', 'any'), new Task('retrier', IMG).retries({ limit: 5, backoffMs: 60_000 }))
        .build(),
    );
    const started = await gofer.runs.start('cancel-states');
    const id = started.runId;
    await waitFor('retrier to wait', async () => (await gofer.tasks.get('cancel-states', id, 'retrier')).state === 'retrying');
    const child = await gofer.tasks.cancel('cancel-states', id, 'child');
    assert.is(child.status, 'cancelled', 'not started: cancelled at once');
    const retrier = await gofer.tasks.cancel('cancel-states', id, 'retrier');
    assert.is(retrier.status, 'cancelled', 'in its backoff: cancelled at once');
    assert.is(retrier.attempt, 2);
    assert.is(gofer.scheduler.startsOf('retrier').length, 1, 'no next attempt');
    gofer.scheduler.finish([...gofer.scheduler.containers.values()].find((c) => c.request.labels['gofer.task'] === 'parent')!.schedulerId, 0);
    const run = await gofer.runs.wait('cancel-states', id);
    assert.is(run.status, 'failed');
    assert.is(gofer.scheduler.startsOf('child').length, 0);
  } finally {
    await gofer.close();
  }
});

test('a task cancel on a complete run answers ERR_CONFLICT', async () => {
  const gofer = await createTestGofer();
  try {
    await gofer.pipelines.register(new Pipeline('cancel-late', 'x').tasks(new Task('quick', IMG)).build());
    await gofer.run('cancel-late');
    try {
      await gofer.tasks.cancel('cancel-late', 1, 'quick');
      assert.unreachable('a complete run');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ERR_CONFLICT');
    }
  } finally {
    await gofer.close();
  }
});

test('a task cancel asked for while its run is queued is kept: the task is cancelled when the run starts', async () => {
  const gofer = await createTestGofer({ tasks: { first: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cancel-queued', 'x').parallelism(1).tasks(new Task('first', IMG), new Task('second', IMG)).build());
    const one = await gofer.runs.start('cancel-queued');
    await waitFor('run 1 to run', async () => (await gofer.tasks.get('cancel-queued', one.runId, 'first')).state === 'running');
    const two = await gofer.runs.start('cancel-queued');
    assert.is((await gofer.runs.get('cancel-queued', two.runId)).state, 'pending');
    assert.is((await gofer.tasks.cancel('cancel-queued', two.runId, 'second')).cancelRequested, true);
    await gofer.runs.cancel('cancel-queued', one.runId);
    await gofer.runs.wait('cancel-queued', one.runId);
    gofer.scheduler.script('first', {});
    const run = await gofer.runs.wait('cancel-queued', two.runId);
    const tasks = Object.fromEntries((await gofer.tasks.list('cancel-queued', two.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.second!.status, 'cancelled');
    assert.is(tasks.first!.status, 'successful');
    assert.is(run.status, 'failed');
    assert.is(gofer.scheduler.startsOf('second').length, 1, 'only run 1 started "second"');
  } finally {
    await gofer.close();
  }
});

test('a run cancel during a retry backoff cancels the waiting task; no further attempt', async () => {
  const gofer = await createTestGofer({ tasks: { retrier: { exitCode: 1 } } });
  try {
    await gofer.pipelines.register(new Pipeline('cancel-backoff', 'x').tasks(new Task('retrier', IMG).retries({ limit: 5, backoffMs: 60_000 })).build());
    const started = await gofer.runs.start('cancel-backoff');
    await waitFor('the backoff', async () => (await gofer.tasks.get('cancel-backoff', started.runId, 'retrier')).state === 'retrying');
    await gofer.runs.cancel('cancel-backoff', started.runId);
    const run = await gofer.runs.wait('cancel-backoff', started.runId);
    assert.is(run.status, 'cancelled');
    await gofer.clock.advance(120_000);
    assert.is(gofer.scheduler.startsOf('retrier').length, 1);
  } finally {
    await gofer.close();
  }
});

test('run timeout on the pipeline: the run is cancelled with reason timeout, on the clock', async () => {
  const gofer = await createTestGofer({ tasks: { forever: { hang: true } } });
  try {
    const events = collect(gofer);
    await gofer.pipelines.register(
      new Pipeline('run-timeout', 'x').timeoutMs(60_000).tasks(new Task('forever', IMG), new Task('later', IMG).dependsOn('forever', 'any')).build(),
    );
    const started = await gofer.runs.start('run-timeout');
    await waitFor('forever to run', async () => (await gofer.tasks.get('run-timeout', started.runId, 'forever')).state === 'running');
    const running = await gofer.runs.get('run-timeout', started.runId);
    assert.is(running.timeoutMs, 60_000);
    assert.is(running.deadline, gofer.clock.now() + 60_000);
    await gofer.clock.advance(59_999);
    assert.is((await gofer.runs.get('run-timeout', started.runId)).state, 'running');
    await gofer.clock.advance(1);
    const run = await gofer.runs.wait('run-timeout', started.runId);
    assert.is(run.status, 'cancelled');
    assert.is(run.statusReason!.reason, 'timeout');
    assert.ok(run.statusReason!.description.includes('60000 ms'));
    const tasks = Object.fromEntries((await gofer.tasks.list('run-timeout', started.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.forever!.status, 'cancelled');
    assert.is(tasks.later!.status, 'cancelled');
    assert.is(events.filter((e) => e.type === 'run.timed_out').length, 1);
  } finally {
    await gofer.close();
  }
});

test('run timeout per started run wins over the pipeline’s; a run that ends in time leaves no timer', async () => {
  const gofer = await createTestGofer({ tasks: { forever: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('run-timeout2', 'x').timeoutMs(3_600_000).tasks(new Task('forever', IMG)).build());
    const started = await gofer.runs.start('run-timeout2', { timeoutMs: 2000 });
    assert.is(started.timeoutMs, 2000);
    await waitFor('forever to run', async () => (await gofer.tasks.get('run-timeout2', started.runId, 'forever')).state === 'running');
    await gofer.clock.advance(2000);
    const run = await gofer.runs.wait('run-timeout2', started.runId);
    assert.is(run.statusReason!.reason, 'timeout');

    gofer.scheduler.script('forever', { delayMs: 10 });
    const quick = await gofer.runs.start('run-timeout2', { timeoutMs: 5000 });
    await gofer.clock.whenPending(2);
    await gofer.clock.advance(10);
    assert.is((await gofer.runs.wait('run-timeout2', quick.runId)).status, 'successful');
    assert.is(gofer.clock.pending, 0, 'the run timer was cleared');

    const none = await gofer.runs.start('run-timeout2', { timeoutMs: 0 });
    assert.is(none.timeoutMs, undefined, '0: no limit, over the pipeline’s');
    try {
      await gofer.runs.start('run-timeout2', { timeoutMs: -1 });
      assert.unreachable('a negative timeout');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
    }
  } finally {
    await gofer.close();
  }
});

test('no retry once the run timed out: the cancelled attempt is final', async () => {
  const gofer = await createTestGofer({ tasks: { forever: { hang: true } } });
  try {
    await gofer.pipelines.register(
      new Pipeline('timeout-noretry', 'x')
        .timeoutMs(1000)
        .tasks(new Task('forever', IMG).retries({ limit: 3 }))
        .build(),
    );
    const started = await gofer.runs.start('timeout-noretry');
    await waitFor('forever to run', async () => (await gofer.tasks.get('timeout-noretry', started.runId, 'forever')).state === 'running');
    await gofer.clock.advance(1000);
    const run = await gofer.runs.wait('timeout-noretry', started.runId);
    assert.is(run.statusReason!.reason, 'timeout');
    assert.is(gofer.scheduler.startsOf('forever').length, 1);
  } finally {
    await gofer.close();
  }
});

test.run();
