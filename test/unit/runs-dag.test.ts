/** The DAG rules of docs/pipelines-and-runs.md ("What happens when a run starts"), one test per rule, on the fake scheduler. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, RequiredParentStatus } from '@gofer/core';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const IMG = 'gofer-test/busybox:latest';

async function runOnce(pipeline: Pipeline, scheduler = new FakeScheduler()) {
  const { gofer } = await goferWithFake({ scheduler });
  try {
    const config = pipeline.build();
    await gofer.pipelines.register(config);
    const run = await gofer.runs.start(config.id);
    const done = await gofer.runs.wait(config.id, run.runId);
    const tasks = Object.fromEntries((await gofer.tasks.list(config.id, run.runId)).map((t) => [t.taskId, t]));
    return { run: done, tasks, scheduler };
  } finally {
    await gofer.close();
  }
}

test('a run goes pending -> running -> complete and succeeds when every task exits 0', async () => {
  const { gofer } = await goferWithFake();
  try {
    await gofer.pipelines.register(new Pipeline('simple', 'Simple').tasks(new Task('one', IMG).command('true')).build());
    const seen: string[] = [];
    gofer.events.on((e) => seen.push(e.type));
    const run = await gofer.runs.start('simple');
    assert.is(run.runId, 1);
    const done = await gofer.runs.wait('simple', 1);
    assert.is(done.state, 'complete');
    assert.is(done.status, 'successful');
    assert.ok(done.ended! >= done.started);
    const [task] = await gofer.tasks.list('simple', 1);
    assert.is(task!.state, 'complete');
    assert.is(task!.status, 'successful');
    assert.is(task!.exitCode, 0);
    assert.ok(task!.schedulerId);
    assert.equal(seen, ['run.created', 'task.created', 'run.started', 'task.started', 'task.completed', 'run.completed']);
    assert.is((await gofer.runs.start('simple')).runId, 2, 'run ids increase per pipeline');
    await gofer.runs.wait('simple', 2);
  } finally {
    await gofer.close();
  }
});

test('a child with dependsOn success starts only after its parent succeeded', async () => {
  const scheduler = new FakeScheduler().script('parent', { delayMs: 20 });
  const { tasks } = await runOnce(
    new Pipeline('dag-success', 'x').tasks(new Task('parent', IMG), new Task('child', IMG).dependsOn('parent', RequiredParentStatus.Success)),
    scheduler,
  );
  assert.is(tasks.child!.status, 'successful');
  assert.ok(tasks.child!.started! >= tasks.parent!.ended!, 'child started after the parent ended');
  assert.equal(
    scheduler.starts.map((s) => s.labels['gofer.task']),
    ['parent', 'child'],
  );
});

test('a failed parent skips a success child, and the skip cascades to its children', async () => {
  const scheduler = new FakeScheduler().script('parent', { exitCode: 3 });
  const { run, tasks } = await runOnce(
    new Pipeline('dag-skip', 'x').tasks(
      new Task('parent', IMG),
      new Task('child', IMG).dependsOn('parent', 'success'),
      new Task('grandchild', IMG).dependsOn('child', 'success'),
    ),
    scheduler,
  );
  assert.is(tasks.parent!.status, 'failed');
  assert.is(tasks.parent!.statusReason!.reason, 'abnormal_exit');
  assert.is(tasks.parent!.exitCode, 3);
  assert.is(tasks.child!.status, 'skipped');
  assert.is(tasks.grandchild!.status, 'skipped');
  assert.is(scheduler.starts.length, 1, 'skipped tasks never reach the scheduler');
  assert.is(run.status, 'failed');
  assert.match(run.statusReason!.description, /parent/);
});

test('dependsOn failure runs only when the parent failed', async () => {
  const failing = await runOnce(
    new Pipeline('dag-failure', 'x').tasks(new Task('parent', IMG), new Task('on_fail', IMG).dependsOn('parent', 'failure')),
    new FakeScheduler().script('parent', { exitCode: 1 }),
  );
  assert.is(failing.tasks.on_fail!.status, 'successful');
  const passing = await runOnce(new Pipeline('dag-failure2', 'x').tasks(new Task('parent', IMG), new Task('on_fail', IMG).dependsOn('parent', 'failure')));
  assert.is(passing.tasks.on_fail!.status, 'skipped');
  assert.is(passing.run.status, 'successful', 'a skipped task does not fail the run');
});

test('dependsOn any accepts successful, failed and skipped parents', async () => {
  const { tasks } = await runOnce(
    new Pipeline('dag-any', 'x').tasks(
      new Task('good', IMG),
      new Task('bad', IMG),
      new Task('skipped', IMG).dependsOn('bad', 'success'),
      new Task('after_all', IMG).dependsOn('good', 'any').dependsOn('bad', 'any').dependsOn('skipped', 'any'),
    ),
    new FakeScheduler().script('bad', { exitCode: 1 }),
  );
  assert.is(tasks.skipped!.status, 'skipped');
  assert.is(tasks.after_all!.status, 'successful');
});

test('independent tasks run in parallel (both started before either ends)', async () => {
  const scheduler = new FakeScheduler({ delayMs: 30 });
  const { tasks } = await runOnce(new Pipeline('dag-parallel', 'x').tasks(new Task('aaa', IMG), new Task('bbb', IMG)), scheduler);
  assert.ok(tasks.aaa!.started! < tasks.bbb!.ended! && tasks.bbb!.started! < tasks.aaa!.ended!);
});

test('a scheduler error fails the task with reason scheduler_error', async () => {
  const { GoferError } = await import('@gofer/core');
  const { tasks, run } = await runOnce(
    new Pipeline('dag-sched-err', 'x').tasks(new Task('aaa', IMG)),
    new FakeScheduler().script('aaa', { startError: new GoferError('ERR_NO_SUCH_IMAGE', 'no image nope:latest') }),
  );
  assert.is(tasks.aaa!.status, 'failed');
  assert.is(tasks.aaa!.statusReason!.reason, 'scheduler_error');
  assert.match(tasks.aaa!.statusReason!.description, /ERR_NO_SUCH_IMAGE/);
  assert.is(run.status, 'failed');
});

test('the scheduler request: deterministic id, labels, command, entrypoint, secrets untouched', async () => {
  const { scheduler } = await runOnce(
    new Pipeline('dag-request', 'x').tasks(
      new Task('a_task', IMG).command('echo', 'hi').entrypoint('/bin/sh', '-c').secret('TOKEN', 'secrets/a/TOKEN').alwaysPull().registryAuth('u', 'p'),
    ),
  );
  const [req] = scheduler.starts;
  assert.is(req!.id, 'dag-request_1_a_task');
  const { 'gofer.instance': instance, ...labels } = req!.labels;
  assert.equal(labels, { 'gofer.pipeline': 'dag-request', 'gofer.run': '1', 'gofer.task': 'a_task' });
  assert.match(instance ?? '', /^[0-9a-f]{16}$/, 'every container carries this instance id, for orphan reaping');
  assert.equal(req!.command, ['echo', 'hi']);
  assert.equal(req!.entrypoint, ['/bin/sh', '-c']);
  assert.equal(req!.secrets, { TOKEN: 'secrets/a/TOKEN' });
  assert.is(req!.alwaysPull, true);
  assert.equal(req!.registryAuth, { user: 'u', pass: 'p' });
  assert.is(req!.image, IMG);
});

test.run();
