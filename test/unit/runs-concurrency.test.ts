/**
 * Concurrency groups (docs/pipelines-and-runs.md, "Concurrency groups"), one test per rule, on the
 * fake scheduler: queue (FIFO across pipelines sharing a group, limit 2, the waiting reason),
 * cancel-in-progress (and its race with a run that is finishing), skip, the group template.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, Pipeline, Task } from '@gofer/core';
import type { GoferEvent } from '@gofer/core/api';
import { createTestGofer, type TestGofer } from '@gofer/testkit';
import { STATUS_BY_CODE } from '../../core/src/server/http-status.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

/** Ends the hanging `job` task of a run (exit 0). */
async function finish(gofer: TestGofer, pipelineId: string, runId: number): Promise<void> {
  await waitFor(`${pipelineId}#${runId} to run`, async () => (await gofer.tasks.get(pipelineId, runId, 'job')).state === 'running');
  gofer.scheduler.finish((await gofer.tasks.get(pipelineId, runId, 'job')).schedulerId!, 0);
  await gofer.runs.wait(pipelineId, runId);
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

test('queue: runs of two pipelines sharing a group run one at a time, in FIFO order, the waiting ones pending with a reason', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    for (const id of ['cg-api', 'cg-web']) await gofer.pipelines.register(new Pipeline(id, 'x').concurrency('deploy').tasks(new Task('job', IMG)).build());
    const order: string[] = [];
    gofer.events.on((e) => e.type === 'run.started' && order.push(`${e.payload.pipelineId}#${e.payload.runId}`));
    const a1 = await gofer.runs.start('cg-api');
    const w1 = await gofer.runs.start('cg-web');
    const a2 = await gofer.runs.start('cg-api');
    assert.is(a1.concurrencyGroup, 'deploy');
    await waitFor('the first run to start', () => order.length === 1);
    const pending = await gofer.runs.get('cg-web', w1.runId);
    assert.is(pending.state, 'pending');
    assert.equal(pending.waiting, { reason: 'concurrency_group', description: 'waits for concurrency group "deploy" (limit 1): 1 running, 0 queued ahead' });
    assert.match((await gofer.runs.get('cg-api', a2.runId)).waiting!.description, /1 running, 1 queued ahead/);
    await finish(gofer, 'cg-api', a1.runId);
    await finish(gofer, 'cg-web', w1.runId);
    await finish(gofer, 'cg-api', a2.runId);
    assert.equal(order, ['cg-api#1', 'cg-web#1', 'cg-api#2'], 'FIFO across the pipelines of the group');
    assert.is((await gofer.runs.get('cg-api', a2.runId)).waiting, undefined);
  } finally {
    await gofer.close();
  }
});

test('queue with limit 2: two run at once, the third waits', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cg-two', 'x').concurrency('pair', { limit: 2 }).tasks(new Task('job', IMG)).build());
    const runs = [await gofer.runs.start('cg-two'), await gofer.runs.start('cg-two'), await gofer.runs.start('cg-two')];
    await waitFor('two runs to start', () => gofer.scheduler.starts.length === 2);
    assert.is((await gofer.runs.get('cg-two', 3)).state, 'pending');
    await finish(gofer, 'cg-two', 2);
    await finish(gofer, 'cg-two', 3);
    await finish(gofer, 'cg-two', 1);
    for (const r of runs) assert.is((await gofer.runs.get('cg-two', r.runId)).status, 'successful');
  } finally {
    await gofer.close();
  }
});

test('the group is a template over runtime variables; a run without the variable is refused', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cg-env', 'x').concurrency('deploy-{{ENVIRONMENT}}').tasks(new Task('job', IMG)).build());
    const prod = await gofer.runs.start('cg-env', { variables: { ENVIRONMENT: 'prod' } });
    const staging = await gofer.runs.start('cg-env', { variables: { ENVIRONMENT: 'staging' } });
    const prod2 = await gofer.runs.start('cg-env', { variables: { ENVIRONMENT: 'prod' } });
    assert.is(prod.concurrencyGroup, 'deploy-prod');
    assert.is(staging.concurrencyGroup, 'deploy-staging');
    await waitFor('prod and staging to run', () => gofer.scheduler.starts.length === 2);
    assert.is((await gofer.runs.get('cg-env', prod2.runId)).state, 'pending', 'the second prod run waits');
    const missing = await refusal(gofer.runs.start('cg-env'));
    assert.is(missing.code, 'ERR_INVALID_ARGUMENT');
    assert.match(missing.message, /needs the runtime variable ENVIRONMENT/);
    await finish(gofer, 'cg-env', prod.runId);
    await finish(gofer, 'cg-env', staging.runId);
    await finish(gofer, 'cg-env', prod2.runId);
  } finally {
    await gofer.close();
  }
});

test('cancel-in-progress: a new run cancels the running one of its group (the reason names the new run), then runs', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cg-cip', 'x').concurrency('ship', { mode: 'cancel-in-progress' }).tasks(new Task('job', IMG)).build());
    await gofer.pipelines.register(new Pipeline('cg-cip2', 'x').concurrency('ship', { mode: 'cancel-in-progress' }).tasks(new Task('job', IMG)).build());
    const old = await gofer.runs.start('cg-cip');
    await waitFor('the old run to start', () => gofer.scheduler.starts.length === 1);
    const queued = await gofer.runs.start('cg-cip2');
    const latest = await gofer.runs.start('cg-cip');
    const cancelled = await gofer.runs.wait('cg-cip', old.runId);
    assert.is(cancelled.status, 'cancelled');
    assert.equal(cancelled.statusReason, {
      reason: 'cancelled',
      description: 'cancelled by run #1 of pipeline "cg-cip2" (concurrency group "ship", mode cancel-in-progress)',
    });
    const q = await gofer.runs.wait('cg-cip2', queued.runId);
    assert.is(q.status, 'cancelled', 'a queued run of the group is cancelled too');
    assert.match(q.statusReason!.description, /cancelled by run #2 of pipeline "cg-cip"/);
    await finish(gofer, 'cg-cip', latest.runId);
    assert.is((await gofer.runs.get('cg-cip', latest.runId)).status, 'successful');
  } finally {
    await gofer.close();
  }
});

test('cancel-in-progress racing a run that is finishing: the finished run stays successful, no cancel is requested', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cg-race', 'x').concurrency('race', { mode: 'cancel-in-progress' }).tasks(new Task('job', IMG)).build());
    const events: GoferEvent[] = [];
    gofer.events.on((e) => events.push(e));
    const first = await gofer.runs.start('cg-race');
    await waitFor('the first run to start', () => gofer.scheduler.starts.length === 1);
    let second: Promise<unknown> | undefined;
    // The new run arrives in the very turn the first run's last task completes (before the run does).
    const off = gofer.events.on((e) => {
      if (e.type === 'task.completed' && e.payload.runId === first.runId && !second) second = gofer.runs.start('cg-race');
    });
    gofer.scheduler.finish((await gofer.tasks.get('cg-race', first.runId, 'job')).schedulerId!, 0);
    await waitFor('the second run to be asked for', () => second !== undefined);
    off();
    await second;
    assert.is((await gofer.runs.wait('cg-race', first.runId)).status, 'successful');
    await finish(gofer, 'cg-race', 2);
    assert.is((await gofer.runs.get('cg-race', 2)).status, 'successful');
    assert.is(events.filter((e) => e.type === 'run.cancel_requested').length, 0, 'nothing was left to cancel');
    assert.is(events.filter((e) => e.type === 'run.completed' && e.payload.runId === first.runId).length, 1, 'completed once');
  } finally {
    await gofer.close();
  }
});

test('skip: a new run is refused while the group is full (ERR_CONCURRENCY_GROUP_BUSY, HTTP 409), accepted once it is free', async () => {
  const gofer = await createTestGofer({ tasks: { job: { hang: true } } });
  try {
    await gofer.pipelines.register(new Pipeline('cg-skip', 'x').concurrency('once', { mode: 'skip' }).tasks(new Task('job', IMG)).build());
    const first = await gofer.runs.start('cg-skip');
    const refused = await refusal(gofer.runs.start('cg-skip'));
    assert.is(refused.code, 'ERR_CONCURRENCY_GROUP_BUSY');
    assert.match(refused.message, /Concurrency group "once" \(mode skip, limit 1\) is full \(cg-skip#1\)/);
    assert.is(STATUS_BY_CODE.ERR_CONCURRENCY_GROUP_BUSY, 409);
    assert.is((await gofer.runs.list('cg-skip')).length, 1, 'the refused run was never created');
    await finish(gofer, 'cg-skip', first.runId);
    // A rerun is a run: it joins the group too.
    const rerun = await gofer.runs.rerun('cg-skip', first.runId);
    assert.is((await refusal(gofer.runs.start('cg-skip'))).code, 'ERR_CONCURRENCY_GROUP_BUSY');
    await finish(gofer, 'cg-skip', rerun.runId);
  } finally {
    await gofer.close();
  }
});

test('a concurrency config is validated: limit at least 1, a known mode', async () => {
  const gofer = await createTestGofer();
  try {
    const bad = { id: 'cg-bad', name: 'x', concurrency: { group: 'g', limit: 0, mode: 'sometimes' }, tasks: [{ id: 'job', image: IMG }] };
    const err = await refusal(gofer.pipelines.register(bad as never));
    assert.is(err.code, 'ERR_PIPELINE_INVALID');
    assert.match(err.message, /concurrency\/limit/);
    assert.match(err.message, /concurrency\/mode/);
  } finally {
    await gofer.close();
  }
});

test('after a restart, queued runs of a group are admitted once each, in FIFO order, behind the resumed running one', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-cg-restart-'));
  const scheduler = new FakeScheduler().script('job', { hang: true });
  try {
    let { gofer } = await goferWithFake({ scheduler, config: { dataDir } });
    for (const id of ['cgr-a', 'cgr-b']) await gofer.pipelines.register(new Pipeline(id, 'x').concurrency('g-{{LANE}}').tasks(new Task('job', IMG)).build());
    const order = [
      ['cgr-a', 1],
      ['cgr-b', 1],
      ['cgr-a', 2],
      ['cgr-b', 2],
    ] as const;
    for (const [id] of order) await gofer.runs.start(id, { variables: { LANE: 'one' } });
    await waitFor('the first run to run', () => scheduler.starts.length === 1);
    await gofer.close();
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir } }));
    const started: string[] = [];
    gofer.events.on((e) => e.type === 'run.started' && started.push(`${e.payload.pipelineId}#${e.payload.runId}`));
    assert.is((await gofer.runs.get('cgr-b', 1)).waiting?.reason, 'concurrency_group', 'still waiting after the restart');
    // The first run was re-attached (not started again); the others follow one at a time.
    for (const [id, runId] of order) {
      await waitFor(`${id}#${runId} to run`, async () => (await gofer.tasks.get(id, runId, 'job')).state === 'running');
      assert.is(scheduler.containers.size, 1, 'one run of the group at a time');
      scheduler.finish((await gofer.tasks.get(id, runId, 'job')).schedulerId!, 0);
      assert.is((await gofer.runs.wait(id, runId)).status, 'successful');
    }
    assert.equal(started, ['cgr-b#1', 'cgr-a#2', 'cgr-b#2'], 'admitted once each, in creation order');
    assert.is(scheduler.starts.length, 4, 'one container per run');
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
