/**
 * Reruns (docs/pipelines-and-runs.md, "Rerunning a run"), one test per rule, on the fake scheduler:
 * all, failed (a DAG with skipped branches), one task with and without its dependents, carried-over
 * results, logs and run objects, and the refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, Pipeline, Task } from '@gofer/core';
import type { GoferEvent } from '@gofer/core/api';
import { createTestGofer, type TestGofer } from '@gofer/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';
const out = (data: string) => ({ output: [{ stream: 'stdout' as const, data }] });

async function tasksOf(gofer: TestGofer, pipelineId: string, runId: number) {
  return Object.fromEntries((await gofer.tasks.list(pipelineId, runId)).map((t) => [t.taskId, t]));
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    if (isGoferError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

test('rerun all: a new run of the same pinned version and variables, every task again, linked by its initiator', async () => {
  const gofer = await createTestGofer({ tasks: { one: out('one\n') } });
  try {
    await gofer.pipelines.register(new Pipeline('rr-all', 'x').tasks(new Task('one', IMG), new Task('two', IMG).dependsOn('one')).build());
    const first = await gofer.run('rr-all', { variables: { WHO: 'ada' } });
    // A new live version must not change what the rerun runs.
    await gofer.pipelines.register(new Pipeline('rr-all', 'x').tasks(new Task('other', IMG)).build());
    await gofer.pipelines.deploy('rr-all', 2);
    const events: GoferEvent[] = [];
    gofer.events.on((e) => events.push(e));
    const rerun = await gofer.runs.rerun('rr-all', first.run.runId, { initiator: { kind: 'user', name: 'ops' } });
    assert.is(rerun.runId, 2);
    assert.is(rerun.version, 1, 'the pinned version of the run it reruns');
    assert.equal(rerun.variables, { WHO: 'ada' });
    assert.equal(rerun.initiator, { kind: 'user', name: 'ops', rerunOf: { runId: 1, mode: 'all' } });
    const done = await gofer.runs.wait('rr-all', 2);
    assert.is(done.status, 'successful');
    const tasks = await tasksOf(gofer, 'rr-all', 2);
    assert.equal(Object.keys(tasks).sort(), ['one', 'two']);
    assert.ok(!tasks.one!.carriedFrom && !tasks.two!.carriedFrom, 'nothing carried over');
    assert.is(gofer.scheduler.startsOf('one').length, 2, 'every task ran again');
    assert.is(gofer.scheduler.startsOf('two').length, 2);
    const requested = events.find((e) => e.type === 'run.rerun_requested');
    assert.equal(requested?.payload, { pipelineId: 'rr-all', runId: 2, rerunOf: 1, mode: 'all', carried: [] });
  } finally {
    await gofer.close();
  }
});

test('rerun failed in a DAG with skipped branches: successes carried over with their logs and run objects, the failed task and its skipped branch run', async () => {
  // build ok -> test fails -> deploy (success) skipped; on_fail (failure) ran; lint ok, independent;
  // report (any of test) ran; after_lint (success of lint) ok.
  const gofer = await createTestGofer({ tasks: { build: out('built\n'), test: { exitCode: 2, ...out('test 1 failed\n') } } });
  try {
    await gofer.pipelines.register(
      new Pipeline('rr-failed', 'x')
        .tasks(
          new Task('build', IMG),
          new Task('test', IMG).dependsOn('build'),
          new Task('deploy', IMG).dependsOn('test', 'success'),
          new Task('on_fail', IMG).dependsOn('test', 'failure'),
          new Task('report', IMG).dependsOn('test', 'any'),
          new Task('lint', IMG),
          new Task('after_lint', IMG).dependsOn('lint'),
        )
        .build(),
    );
    const first = await gofer.run('rr-failed');
    assert.is(first.run.status, 'failed');
    assert.is(first.tasks.deploy!.status, 'skipped');
    assert.is(first.tasks.on_fail!.status, 'successful');
    await gofer.objects.put({ pipelineId: 'rr-failed', runId: 1 }, 'artifact', new TextEncoder().encode('v1'));

    gofer.scheduler.script('test', out('test ok\n'));
    const startsBefore = gofer.scheduler.starts.length;
    const rerun = await gofer.runs.rerun('rr-failed', 1, { mode: 'failed' });
    assert.equal(rerun.initiator.rerunOf, { runId: 1, mode: 'failed' });
    const done = await gofer.runs.wait('rr-failed', rerun.runId);
    assert.is(done.status, 'successful');
    const tasks = await tasksOf(gofer, 'rr-failed', rerun.runId);
    const ran = gofer.scheduler.starts
      .slice(startsBefore)
      .map((s) => s.labels['gofer.task'])
      .sort();
    // on_fail succeeded last time, but only because test failed: it is judged again (now skipped).
    assert.equal(ran, ['deploy', 'report', 'test'], 'only what did not succeed, and what depends on it, ran');
    for (const id of ['build', 'lint', 'after_lint']) {
      assert.is(tasks[id]!.status, 'successful', id);
      assert.equal(tasks[id]!.carriedFrom, { runId: 1 }, `${id} is linked to the run that ran it`);
      assert.is(tasks[id]!.exitCode, 0);
      assert.is(tasks[id]!.started, first.tasks[id]!.started, 'its times are those of the run that ran it');
    }
    assert.is(tasks.test!.status, 'successful');
    assert.is(tasks.test!.carriedFrom, undefined);
    assert.is(tasks.deploy!.status, 'successful', 'the skipped branch runs once its parent succeeds');
    assert.is(tasks.on_fail!.status, 'skipped');
    assert.is(await gofer.logsOf('rr-failed', rerun.runId, 'build'), 'built\n', "a carried task's log is readable from the rerun");
    assert.is(await gofer.logsOf('rr-failed', rerun.runId, 'test'), 'test ok\n');
    assert.is(await gofer.logsOf('rr-failed', 1, 'test'), 'test 1 failed\n', 'the first run keeps its own log');
    const artifact = await gofer.objects.get({ pipelineId: 'rr-failed', runId: rerun.runId }, 'artifact');
    assert.is(new TextDecoder().decode(artifact), 'v1', 'run objects are carried over');

    // A rerun of the rerun: a task carried twice still points at the run that really ran it.
    const again = await gofer.runs.rerun('rr-failed', rerun.runId, { mode: 'failed' });
    await gofer.runs.wait('rr-failed', again.runId);
    const third = await tasksOf(gofer, 'rr-failed', again.runId);
    assert.equal(third.build!.carriedFrom, { runId: 1 });
    assert.equal(third.test!.carriedFrom, { runId: rerun.runId });
    assert.is(await gofer.logsOf('rr-failed', again.runId, 'build'), 'built\n');
  } finally {
    await gofer.close();
  }
});

test('rerun one task: only that task runs; with dependents, everything downstream of it runs too', async () => {
  const gofer = await createTestGofer();
  try {
    await gofer.pipelines.register(
      new Pipeline('rr-task', 'x')
        .tasks(
          new Task('aaa', IMG),
          new Task('bbb', IMG).dependsOn('aaa'),
          new Task('ccc', IMG).dependsOn('bbb'),
          new Task('ddd', IMG).dependsOn('ccc'),
          new Task('side', IMG),
        )
        .build(),
    );
    await gofer.run('rr-task');
    const ranIn = async (opts: Parameters<TestGofer['runs']['rerun']>[2]) => {
      const before = gofer.scheduler.starts.length;
      const rerun = await gofer.runs.rerun('rr-task', 1, opts);
      assert.is((await gofer.runs.wait('rr-task', rerun.runId)).status, 'successful');
      const tasks = await tasksOf(gofer, 'rr-task', rerun.runId);
      const carried = Object.values(tasks)
        .filter((t) => t.carriedFrom)
        .map((t) => t.taskId)
        .sort();
      return { rerun, ran: gofer.scheduler.starts.slice(before).map((s) => s.labels['gofer.task']), carried };
    };
    const alone = await ranIn({ mode: 'task', taskId: 'bbb' });
    assert.equal(alone.ran, ['bbb']);
    assert.equal(alone.carried, ['aaa', 'ccc', 'ddd', 'side']);
    assert.equal(alone.rerun.initiator.rerunOf, { runId: 1, mode: 'task', taskId: 'bbb' });
    const downstream = await ranIn({ mode: 'task', taskId: 'bbb', withDependents: true });
    assert.equal(downstream.ran, ['bbb', 'ccc', 'ddd'], 'in DAG order');
    assert.equal(downstream.carried, ['aaa', 'side']);
    assert.equal(downstream.rerun.initiator.rerunOf, { runId: 1, mode: 'task', taskId: 'bbb', withDependents: true });
  } finally {
    await gofer.close();
  }
});

test('a rerun of a task whose parent failed follows dependsOn: the task is skipped again', async () => {
  const gofer = await createTestGofer({ tasks: { parent: { exitCode: 1 } } });
  try {
    await gofer.pipelines.register(new Pipeline('rr-skip', 'x').tasks(new Task('parent', IMG), new Task('child', IMG).dependsOn('parent')).build());
    await gofer.run('rr-skip');
    const rerun = await gofer.runs.rerun('rr-skip', 1, { mode: 'task', taskId: 'child' });
    const done = await gofer.runs.wait('rr-skip', rerun.runId);
    const tasks = await tasksOf(gofer, 'rr-skip', rerun.runId);
    assert.is(tasks.parent!.status, 'failed');
    assert.equal(tasks.parent!.carriedFrom, { runId: 1 });
    assert.is(tasks.child!.status, 'skipped');
    assert.is(done.status, 'failed', 'a carried failure still fails the run');
  } finally {
    await gofer.close();
  }
});

test('refusals: an unfinished run (ERR_CONFLICT), an unknown task (ERR_NOT_FOUND), a task mode without a task, an unknown run', async () => {
  const gofer = await createTestGofer({ tasks: { slow: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('rr-refuse', 'x').tasks(new Task('slow', IMG)).build());
    const run = await gofer.runs.start('rr-refuse');
    const busy = await refusal(gofer.runs.rerun('rr-refuse', run.runId));
    assert.is(busy.code, 'ERR_CONFLICT');
    assert.match(busy.message, /only a complete run can be rerun/);
    await gofer.runs.cancel('rr-refuse', run.runId);
    await gofer.runs.wait('rr-refuse', run.runId);
    assert.is((await refusal(gofer.runs.rerun('rr-refuse', run.runId, { mode: 'task', taskId: 'nope' }))).code, 'ERR_NOT_FOUND');
    assert.is((await refusal(gofer.runs.rerun('rr-refuse', run.runId, { mode: 'task' }))).code, 'ERR_INVALID_ARGUMENT');
    assert.is((await refusal(gofer.runs.rerun('rr-refuse', run.runId, { mode: 'failed', taskId: 'slow' }))).code, 'ERR_INVALID_ARGUMENT');
    assert.is((await refusal(gofer.runs.rerun('rr-refuse', 99))).code, 'ERR_NOT_FOUND');
    assert.is((await gofer.runs.list('rr-refuse')).length, 1, 'no run was created by a refusal');
  } finally {
    await gofer.close();
  }
});

test('a rerun in progress resumes after a restart: carried tasks stay carried, the running one is re-attached, nothing runs twice', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-rerun-restart-'));
  const scheduler = new FakeScheduler().script('mid', { exitCode: 1 }).script('first', { output: ['first\n'] });
  try {
    let { gofer } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(
      new Pipeline('rr-restart', 'x').tasks(new Task('first', IMG), new Task('mid', IMG).dependsOn('first'), new Task('last', IMG).dependsOn('mid')).build(),
    );
    await gofer.runs.wait('rr-restart', (await gofer.runs.start('rr-restart')).runId);
    scheduler.script('mid', { hang: true });
    const rerun = await gofer.runs.rerun('rr-restart', 1, { mode: 'failed' });
    await waitFor('mid to run in the rerun', async () => (await gofer.tasks.get('rr-restart', rerun.runId, 'mid')).state === 'running');
    await gofer.close();
    const before = scheduler.starts.length;
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    await waitFor('mid to be re-attached', async () => scheduler.containers.size === 1);
    scheduler.finish((await gofer.tasks.get('rr-restart', rerun.runId, 'mid')).schedulerId!, 0);
    assert.is((await gofer.runs.wait('rr-restart', rerun.runId)).status, 'successful');
    const started = scheduler.starts.slice(before).map((s) => s.labels['gofer.task']);
    assert.equal(started, ['last'], 'only the task that had not started yet was started after the restart');
    const first = await gofer.tasks.get('rr-restart', rerun.runId, 'first');
    assert.equal(first.carriedFrom, { runId: 1 });
    assert.is(scheduler.startsOf('first').length, 1, 'the carried task never ran again');
    let log = '';
    for await (const chunk of gofer.tasks.logs('rr-restart', rerun.runId, 'first')) log += new TextDecoder().decode(chunk);
    assert.is(log, 'first\n');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
