/**
 * Approval gates (issue 15, item 6) on the fake scheduler and the fake clock: approve, reject,
 * timeout, approvers, deciding twice, dependents by their dependsOn rules, validation, events.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApprovalTask, Pipeline, Task, RequiredParentStatus, isGoferError, type Gofer } from '@gofer/core';
import type { GoferEvent, TaskExecution } from '@gofer/core/api';
import { createTestGofer, type TestGofer } from '@gofer/testkit';

const IMG = 'gofer-test/busybox:latest';

/** Resolves once the gate is waiting (its request is recorded). */
function waitingFor(gofer: Gofer, pipelineId: string, runId: number, taskId: string): Promise<TaskExecution> {
  return new Promise((resolve, reject) => {
    const check = async () => {
      const task = await gofer.tasks.get(pipelineId, runId, taskId);
      if (task.state === 'waiting_approval') {
        off();
        resolve(task);
      }
    };
    const off = gofer.events.on((e) => {
      if (e.type === 'task.approval_requested' && e.payload.runId === runId && e.payload.taskId === taskId) check().catch(reject);
    });
    check().catch(reject);
  });
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(isGoferError(err), `a GoferError, got ${String(err)}`);
    assert.is((err as { code: string }).code, code, (err as Error).message);
    return err;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

/** build -> gate -> deploy (success), notify (failure), always (any). */
function gated(gate: ApprovalTask) {
  return new Pipeline('gated', 'Gated deploy').tasks(
    new Task('build', IMG),
    gate.dependsOn('build'),
    new Task('deploy', IMG).dependsOn('gate', RequiredParentStatus.Success),
    new Task('notify', IMG).dependsOn('gate', RequiredParentStatus.Failure),
    new Task('always', IMG).dependsOn('gate', RequiredParentStatus.Any),
  );
}

async function withGofer(fn: (gofer: TestGofer, events: GoferEvent[]) => Promise<void>): Promise<void> {
  const gofer = await createTestGofer();
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  try {
    await fn(gofer, events);
  } finally {
    await gofer.close();
  }
}

test('an approval waits (visible state, event), then approve succeeds the gate and runs its success dependents', () =>
  withGofer(async (gofer, events) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Deploy build to production?')).build());
    const run = await gofer.runs.start('gated');
    const waiting = await waitingFor(gofer, 'gated', run.runId, 'gate');
    assert.is(waiting.kind, 'approval');
    assert.is(waiting.image, '');
    assert.is(waiting.approval?.message, 'Deploy build to production?');
    assert.is(waiting.approval?.deadline, undefined);
    assert.is((await gofer.runs.get('gated', run.runId)).state, 'running');
    assert.ok(events.some((e) => e.type === 'task.approval_requested' && e.payload.message === 'Deploy build to production?'));

    const decided = await gofer.tasks.approve('gated', run.runId, 'gate', { comment: 'ship it', by: { kind: 'host', name: 'alice' } });
    assert.is(decided.state, 'complete');
    assert.is(decided.status, 'successful');
    assert.is(decided.approval?.decision?.decision, 'approved');
    assert.equal(decided.approval?.decision?.by, { kind: 'host', name: 'alice' });
    assert.is(decided.approval?.decision?.comment, 'ship it');

    const done = await gofer.runs.wait('gated', run.runId);
    assert.is(done.status, 'successful');
    const tasks = Object.fromEntries((await gofer.tasks.list('gated', run.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.deploy!.status, 'successful');
    assert.is(tasks.notify!.status, 'skipped');
    assert.is(tasks.always!.status, 'successful');
    const decidedEvent = events.find((e) => e.type === 'task.approval_decided');
    assert.ok(decidedEvent && decidedEvent.type === 'task.approval_decided');
    assert.equal(
      { decision: decidedEvent.payload.decision, by: decidedEvent.payload.by, comment: decidedEvent.payload.comment },
      { decision: 'approved', by: { kind: 'host', name: 'alice' }, comment: 'ship it' },
    );
    // Decided, then completed: the order a follower of the event log sees.
    const order = events.filter((e) => e.type.startsWith('task.') && 'taskId' in e.payload && e.payload.taskId === 'gate').map((e) => e.type);
    assert.equal(order, ['task.created', 'task.approval_requested', 'task.approval_decided', 'task.completed']);
    // The fake scheduler started no container for the gate.
    assert.equal(gofer.scheduler.starts.map((s) => s.labels['gofer.task']).sort(), ['always', 'build', 'deploy']);
  }));

test('reject fails the gate with approval_rejected; failure and any dependents run, success ones are skipped', () =>
  withGofer(async (gofer) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?')).build());
    const run = await gofer.runs.start('gated');
    await waitingFor(gofer, 'gated', run.runId, 'gate');
    const decided = await gofer.tasks.reject('gated', run.runId, 'gate', { comment: 'tests are red' });
    assert.is(decided.status, 'failed');
    assert.is(decided.statusReason?.reason, 'approval_rejected');
    assert.match(decided.statusReason!.description, /tests are red/);
    assert.equal(decided.approval?.decision?.by, { kind: 'host', name: 'api' }, 'the host is the default approver');
    const done = await gofer.runs.wait('gated', run.runId);
    assert.is(done.status, 'failed');
    const tasks = Object.fromEntries((await gofer.tasks.list('gated', run.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.deploy!.status, 'skipped');
    assert.is(tasks.notify!.status, 'successful');
    assert.is(tasks.always!.status, 'successful');
  }));

test('a gate nobody decides times out on the clock (reason timeout), counted from when it started waiting', () =>
  withGofer(async (gofer, events) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?').timeoutMs(3_600_000)).build());
    const run = await gofer.runs.start('gated');
    const waiting = await waitingFor(gofer, 'gated', run.runId, 'gate');
    assert.is(waiting.approval!.deadline, waiting.approval!.requested + 3_600_000);
    assert.is(waiting.started, waiting.approval!.requested);
    await gofer.clock.whenPending();
    await gofer.clock.advance(3_599_999);
    assert.is((await gofer.tasks.get('gated', run.runId, 'gate')).state, 'waiting_approval', 'not yet');
    await gofer.clock.advance(1);
    const done = await gofer.runs.wait('gated', run.runId);
    assert.is(done.status, 'failed');
    const gate = await gofer.tasks.get('gated', run.runId, 'gate');
    assert.is(gate.status, 'failed');
    assert.is(gate.statusReason?.reason, 'timeout');
    assert.is(gate.approval?.decision?.decision, 'timed_out');
    assert.is(gate.approval?.decision?.by, undefined);
    assert.is((await gofer.tasks.get('gated', run.runId, 'notify')).status, 'successful');
    assert.ok(events.some((e) => e.type === 'task.approval_decided' && e.payload.decision === 'timed_out'));
    // Deciding after the timeout is a conflict that says why.
    const err = await expectCode(gofer.tasks.approve('gated', run.runId, 'gate'), 'ERR_CONFLICT');
    assert.match(err.message, /timed out/);
  }));

test('approvers: a client token of a listed namespace may decide; another namespace, a kind not listed and the host may not', () =>
  withGofer(async (gofer) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?').approvers({ namespaces: ['release'], kinds: ['management'] })).build());
    const run = await gofer.runs.start('gated');
    await waitingFor(gofer, 'gated', run.runId, 'gate');
    const dev = { kind: 'client' as const, name: 'token dev1', tokenId: 'dev1', namespaces: ['default', 'dev'] };
    const err = await expectCode(gofer.tasks.approve('gated', run.runId, 'gate', { by: dev }), 'ERR_FORBIDDEN');
    assert.match(err.message, /namespace "release"/);
    await expectCode(gofer.tasks.reject('gated', run.runId, 'gate'), 'ERR_FORBIDDEN');
    await expectCode(gofer.tasks.approve('gated', run.runId, 'gate', { by: { kind: 'run', name: 'run gated#1' } }), 'ERR_FORBIDDEN');
    assert.is((await gofer.tasks.get('gated', run.runId, 'gate')).state, 'waiting_approval', 'a refused decision changes nothing');

    const rel = { kind: 'client' as const, name: 'token rel1', tokenId: 'rel1', namespaces: ['release'] };
    const decided = await gofer.tasks.approve('gated', run.runId, 'gate', { by: rel, comment: 'ok' });
    assert.is(decided.status, 'successful');
    assert.equal(decided.approval?.decision?.by, rel);
    assert.is((await gofer.runs.wait('gated', run.runId)).status, 'successful');
  }));

test('a management token passes when its kind is listed', () =>
  withGofer(async (gofer) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?').approvers({ kinds: ['management'] })).build());
    const run = await gofer.runs.start('gated');
    await waitingFor(gofer, 'gated', run.runId, 'gate');
    const decided = await gofer.tasks.reject('gated', run.runId, 'gate', { by: { kind: 'management', name: 'token root', tokenId: 'root' } });
    assert.is(decided.statusReason?.reason, 'approval_rejected');
  }));

test('deciding twice: the second decision is refused (ERR_CONFLICT) and the first stands; one decided event', () =>
  withGofer(async (gofer, events) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?')).build());
    const run = await gofer.runs.start('gated');
    await waitingFor(gofer, 'gated', run.runId, 'gate');
    // Both at once: exactly one wins.
    const results = await Promise.allSettled([
      gofer.tasks.approve('gated', run.runId, 'gate', { by: { kind: 'host', name: 'a' } }),
      gofer.tasks.reject('gated', run.runId, 'gate', { by: { kind: 'host', name: 'b' } }),
    ]);
    assert.is(results.filter((r) => r.status === 'fulfilled').length, 1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.is((refused.reason as { code: string }).code, 'ERR_CONFLICT');
    assert.match((refused.reason as Error).message, /already approved by a/);
    const err = await expectCode(gofer.tasks.reject('gated', run.runId, 'gate'), 'ERR_CONFLICT');
    assert.match(err.message, /already approved/);
    assert.is((await gofer.tasks.get('gated', run.runId, 'gate')).status, 'successful');
    assert.is(events.filter((e) => e.type === 'task.approval_decided').length, 1);
    await gofer.runs.wait('gated', run.runId);
  }));

test('not an approval task (ERR_INVALID_ARGUMENT), not waiting yet (ERR_CONFLICT), unknown task (ERR_NOT_FOUND)', () =>
  withGofer(async (gofer) => {
    gofer.scheduler.script('build', { hang: true });
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?')).build());
    const run = await gofer.runs.start('gated');
    await expectCode(gofer.tasks.approve('gated', run.runId, 'build'), 'ERR_INVALID_ARGUMENT');
    const err = await expectCode(gofer.tasks.approve('gated', run.runId, 'gate'), 'ERR_CONFLICT');
    assert.match(err.message, /not waiting for approval yet/);
    await expectCode(gofer.tasks.approve('gated', run.runId, 'nope'), 'ERR_NOT_FOUND');
    await expectCode(gofer.tasks.approve('gated', 99, 'gate'), 'ERR_NOT_FOUND');
    await gofer.runs.cancel('gated', run.runId);
    await gofer.runs.wait('gated', run.runId);
  }));

test('cancelling a run cancels its waiting gate (and the timer goes)', () =>
  withGofer(async (gofer) => {
    await gofer.pipelines.register(gated(new ApprovalTask('gate', 'Go?').timeoutMs(60_000)).build());
    const run = await gofer.runs.start('gated');
    await waitingFor(gofer, 'gated', run.runId, 'gate');
    await gofer.clock.whenPending();
    await gofer.runs.cancel('gated', run.runId);
    const done = await gofer.runs.wait('gated', run.runId);
    assert.is(done.status, 'cancelled');
    const gate = await gofer.tasks.get('gated', run.runId, 'gate');
    assert.is(gate.status, 'cancelled');
    assert.is(gofer.clock.pending, 0, 'no timer left behind');
  }));

test('a gate with no parents waits at once; parallel gates are decided independently', () =>
  withGofer(async (gofer) => {
    await gofer.pipelines.register(
      new Pipeline('two-gates', 'x')
        .tasks(Task.approval('qa_ok', 'QA ok?'), Task.approval('sec_ok', 'Security ok?'), new Task('ship', IMG).dependsOn('qa_ok').dependsOn('sec_ok'))
        .build(),
    );
    const run = await gofer.runs.start('two-gates');
    await waitingFor(gofer, 'two-gates', run.runId, 'qa_ok');
    await waitingFor(gofer, 'two-gates', run.runId, 'sec_ok');
    await gofer.tasks.approve('two-gates', run.runId, 'qa_ok');
    assert.is((await gofer.tasks.get('two-gates', run.runId, 'ship')).state, 'processing', 'ship still waits for sec');
    await gofer.tasks.approve('two-gates', run.runId, 'sec_ok');
    assert.is((await gofer.runs.wait('two-gates', run.runId)).status, 'successful');
  }));

test('validation: an approval task with container keys, without a message, with bad approvers: each problem at its JSON path', async () => {
  const gofer = await createTestGofer();
  try {
    const config = {
      id: 'bad-gates',
      name: 'x',
      tasks: [
        { id: 'gate', kind: 'approval', message: 'Go?', image: IMG, command: ['echo'] },
        { id: 'gate2', kind: 'approval' },
        { id: 'gate3', kind: 'approval', message: 'Go?', approvers: { kinds: ['admin'], teams: [] }, timeoutMs: -1 },
        { id: 'other', kind: 'lambda', image: IMG },
      ],
    };
    const err = await expectCode(gofer.pipelines.register(config as never), 'ERR_PIPELINE_INVALID');
    const problems = (err as unknown as { details: { problems: Array<{ path: string; message: string }> } }).details.problems;
    const paths = problems.map((p) => p.path).sort();
    assert.ok(paths.includes('/tasks/0/image'), paths.join(' '));
    assert.ok(paths.includes('/tasks/0/command'), paths.join(' '));
    assert.match(problems.find((p) => p.path === '/tasks/0/image')!.message, /approval task runs no container/);
    assert.ok(
      problems.some((p) => p.path === '/tasks/1' && /message/.test(p.message)),
      JSON.stringify(problems),
    );
    assert.ok(paths.includes('/tasks/2/approvers/kinds/0'), paths.join(' '));
    assert.ok(
      problems.some((p) => p.path === '/tasks/2/approvers' && /teams/.test(p.message)),
      JSON.stringify(problems),
    );
    assert.ok(paths.includes('/tasks/2/timeoutMs'), paths.join(' '));
    assert.ok(paths.includes('/tasks/3/kind'), paths.join(' '));
    assert.not.ok(
      problems.some((p) => p.path === '/tasks/0' || p.path === '/tasks/2'),
      `no branch-level noise: ${JSON.stringify(problems)}`,
    );
    // The SDK builds the same checks.
    assert.throws(() => new Pipeline('sdk-bad', 'x').tasks({ id: 'gate', kind: 'approval', message: '' }).build(), /\/tasks\/0\/message/);
    // And an approval task may depend on a container task and be depended on: a valid config.
    const ok = gated(new ApprovalTask('gate', 'Go?').approvers({ namespaces: ['release'] }).timeoutMs(1000)).build();
    assert.equal(ok.tasks[1], {
      id: 'gate',
      kind: 'approval',
      message: 'Go?',
      dependsOn: { build: 'success' },
      approvers: { namespaces: ['release'] },
      timeoutMs: 1000,
    });
  } finally {
    await gofer.close();
  }
});

test.run();
