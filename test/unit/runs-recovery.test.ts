/**
 * Recovery (docs/pipelines-and-runs.md, "Storage and crash recovery") on the fake scheduler: a core closes (or dies) mid-run, a new one on the
 * same data directory re-attaches running containers (no new start), starts what had not
 * started, and marks vanished containers unknown/orphaned.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { DATABASE } from '../../core/src/stores/database.js';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

function pipeline(id: string) {
  return new Pipeline(id, 'x').tasks(new Task('first', IMG), new Task('second', IMG).dependsOn('first')).build();
}

test('a running container is re-attached (not recreated), its logs reread, and the run completes', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true, output: ['one\n', 'two\n'] });
  try {
    let { gofer } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(pipeline('resume'));
    const run = await gofer.runs.start('resume');
    await waitFor('first running', async () => (await gofer.tasks.get('resume', run.runId, 'first')).state === 'running');
    await gofer.close();
    const stored = openSqlite(join(dataDir, 'gofer.db'), { readOnly: true });
    assert.is((stored.prepare('SELECT state FROM runs').get() as { state: string }).state, 'running', 'the state is kept across a close');
    stored.close();
    const startsBefore = scheduler.starts.length;
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    await waitFor('scheduler.containers.size === 1', () => scheduler.containers.size === 1);
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    const done = await gofer.runs.wait('resume', run.runId);
    assert.is(done.status, 'successful');
    assert.is(scheduler.startsOf('first').length, 1, 'first was not started again');
    assert.is(scheduler.startsOf('second').length, 1);
    assert.is(startsBefore, 1);
    assert.is(readFileSync(join(dataDir, 'logs', 'resume', '1', 'first.log'), 'utf8'), 'one\ntwo\n', 'logs rewritten once, not duplicated');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a container that vanished while Gofer was down ends unknown/orphaned; dependants are skipped', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true });
  try {
    let { gofer } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(pipeline('orphan'));
    const run = await gofer.runs.start('orphan');
    await waitFor(
      "(await gofer.tasks.get('orphan', run.runId, 'first')).state === 'running'",
      async () => (await gofer.tasks.get('orphan', run.runId, 'first')).state === 'running',
    );
    await gofer.close();
    scheduler.vanish([...scheduler.containers.keys()][0]!);
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    const done = await gofer.runs.wait('orphan', run.runId);
    assert.is(done.status, 'failed');
    const first = await gofer.tasks.get('orphan', run.runId, 'first');
    assert.is(first.status, 'unknown');
    assert.is(first.statusReason!.reason, 'orphaned');
    assert.is((await gofer.tasks.get('orphan', run.runId, 'second')).status, 'skipped');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a task being started when the core died is found by its labels and re-attached', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true });
  try {
    let { gofer, container } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(pipeline('starting'));
    const run = await gofer.runs.start('starting');
    await waitFor(
      "(await gofer.tasks.get('starting', run.runId, 'first')).state === 'running'",
      async () => (await gofer.tasks.get('starting', run.runId, 'first')).state === 'running',
    );
    // Simulate a crash between startContainer and recording its scheduler id.
    container.resolve(DATABASE).prepare("UPDATE task_executions SET state = 'waiting', scheduler_id = NULL WHERE task_id = 'first'").run();
    await gofer.close();
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    await waitFor(
      "(await gofer.tasks.get('starting', run.runId, 'first')).state === 'running'",
      async () => (await gofer.tasks.get('starting', run.runId, 'first')).state === 'running',
    );
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    assert.is((await gofer.runs.wait('starting', run.runId)).status, 'successful');
    assert.is(scheduler.startsOf('first').length, 1, 'not started twice');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a leftover that was created but never started is replaced by starting the task again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true });
  try {
    let { gofer, container } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(pipeline('created'));
    const run = await gofer.runs.start('created');
    await waitFor(
      "(await gofer.tasks.get('created', run.runId, 'first')).state === 'running'",
      async () => (await gofer.tasks.get('created', run.runId, 'first')).state === 'running',
    );
    container.resolve(DATABASE).prepare("UPDATE task_executions SET state = 'waiting', scheduler_id = NULL WHERE task_id = 'first'").run();
    await gofer.close();
    // The engine had created the container when the core died, but never started it.
    const leftover = [...scheduler.containers.values()][0]!;
    leftover.state = 'unknown';
    scheduler.script('first', {});
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    assert.is((await gofer.runs.wait('created', run.runId)).status, 'successful');
    assert.is(scheduler.startsOf('first').length, 2, 'started again under the same request id');
    assert.is(scheduler.startsOf('first')[1]!.id, 'created_1_first');
    assert.not.ok(scheduler.containers.has(leftover.schedulerId), 'the leftover was replaced');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a never-started leftover of a run cancelled before the crash is removed, not left behind', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true });
  try {
    let { gofer, container } = await goferWithFake({ scheduler, config: { dataDir } });
    await gofer.pipelines.register(pipeline('cancelled-leftover'));
    const run = await gofer.runs.start('cancelled-leftover');
    await waitFor(
      "(await gofer.tasks.get('cancelled-leftover', run.runId, 'first')).state === 'running'",
      async () => (await gofer.tasks.get('cancelled-leftover', run.runId, 'first')).state === 'running',
    );
    // The core died after the engine created the container and after the cancel was stored,
    // but before the scheduler id was recorded and before the container was stopped.
    const db = container.resolve(DATABASE);
    db.prepare("UPDATE task_executions SET state = 'waiting', scheduler_id = NULL WHERE task_id = 'first'").run();
    db.prepare("UPDATE runs SET cancel_requested = 1 WHERE pipeline_id = 'cancelled-leftover'").run();
    await gofer.close();
    const leftover = [...scheduler.containers.values()][0]!;
    leftover.state = 'unknown';
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    assert.is((await gofer.runs.wait('cancelled-leftover', run.runId)).status, 'cancelled');
    assert.is((await gofer.tasks.get('cancelled-leftover', run.runId, 'first')).status, 'cancelled');
    assert.is(scheduler.startsOf('first').length, 1, 'a cancelled task is not started again');
    assert.not.ok(scheduler.containers.has(leftover.schedulerId), 'the never-started leftover was removed');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('pending runs and not-yet-started tasks are started after a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-recovery-test-'));
  const scheduler = new FakeScheduler().script('first', { hang: true });
  try {
    let { gofer } = await goferWithFake({ scheduler, config: { dataDir, parallelism: 1 } });
    await gofer.pipelines.register(pipeline('queued'));
    const a = await gofer.runs.start('queued');
    const b = await gofer.runs.start('queued');
    await waitFor('scheduler.starts.length === 1', () => scheduler.starts.length === 1);
    assert.is((await gofer.runs.get('queued', b.runId)).state, 'pending');
    await gofer.close();
    scheduler.script('first', {});
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir, parallelism: 1 } }));
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    assert.is((await gofer.runs.wait('queued', a.runId)).status, 'successful');
    assert.is((await gofer.runs.wait('queued', b.runId)).status, 'successful');
    assert.is(scheduler.starts.length, 4, 'run 1: first (once) + second; run 2: first + second');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
