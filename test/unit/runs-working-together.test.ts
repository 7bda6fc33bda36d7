/**
 * Tasks that work together (docs/pipelines-and-runs.md, "Tasks that work together"): matrix
 * fan-out, `when` conditions and `allowFailure`, one test per rule, on the fake scheduler; and
 * every registration error of the new fields, with its path.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, isGoferError, type AnyTaskConfig, type PipelineConfig } from '@gofer/core';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const IMG = 'gofer-test/busybox:latest';

async function runOnce(config: PipelineConfig, scheduler = new FakeScheduler(), variables: Record<string, string> = {}) {
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(config);
    const run = await gofer.runs.start(config.id, { variables });
    const done = await gofer.runs.wait(config.id, run.runId);
    const list = await gofer.tasks.list(config.id, run.runId);
    const tasks = Object.fromEntries(list.map((t) => [t.taskId, t]));
    return { run: done, tasks, list, scheduler };
  } finally {
    await gofer.close();
  }
}

function problemsOf(config: unknown): Array<{ path: string; message: string }> {
  try {
    new Pipeline('links', 'x').tasks(...(config as PipelineConfig).tasks).build();
  } catch (err) {
    if (isGoferError(err) && err.code === 'ERR_PIPELINE_INVALID') return (err.details as { problems: Array<{ path: string; message: string }> }).problems;
    throw err;
  }
  return [];
}

test('a 2x2 matrix runs one execution per combination, each seeing its values, and a dependent waits for all', async () => {
  const config = new Pipeline('matrix', 'x')
    .tasks(new Task('test', IMG).matrix({ NODE: ['18', '20'], OS: ['alpine', 'debian'] }), new Task('report', IMG).dependsOn('test'))
    .build();
  const scheduler = new FakeScheduler().script('test[NODE=20,OS=debian]', { delayMs: 30 });
  const { run, tasks, list } = await runOnce(config, scheduler);
  assert.is(run.status, 'successful');
  assert.equal(list.map((t) => t.taskId).sort(), [
    'report',
    'test[NODE=18,OS=alpine]',
    'test[NODE=18,OS=debian]',
    'test[NODE=20,OS=alpine]',
    'test[NODE=20,OS=debian]',
  ]);
  for (const id of ['test[NODE=18,OS=alpine]', 'test[NODE=20,OS=debian]']) {
    const [start] = scheduler.startsOf(id);
    const values = tasks[id]!.matrix!.values;
    assert.is(start!.variables.NODE, values.NODE);
    assert.is(start!.variables.OS, values.OS);
    assert.is(start!.variables.GOFER_TASK_ID, id);
    assert.equal(tasks[id]!.matrix!.taskId, 'test');
    assert.is(tasks[id]!.variables.find((v) => v.key === 'NODE')!.source, 'matrix');
  }
  assert.ok(tasks.report!.started! >= tasks['test[NODE=20,OS=debian]']!.ended!, 'the dependent started after the slowest combination ended');
  assert.is(tasks.report!.matrix, undefined);
});

test('exclude drops matching combinations and include adds new ones once', async () => {
  const config = new Pipeline('matrix-inc', 'x')
    .tasks(
      new Task('mtx', IMG).matrix({
        A: ['1', '2'],
        B: ['x', 'y'],
        exclude: [
          { A: '2', B: 'y' },
          { B: 'x', A: '1' },
        ],
        include: [
          { A: '3', B: 'z' },
          { A: '1', B: 'y' },
        ],
      }),
    )
    .build();
  const { list } = await runOnce(config);
  assert.equal(list.map((t) => t.taskId).sort(), ['mtx[A=1,B=y]', 'mtx[A=2,B=x]', 'mtx[A=3,B=z]']);
});

test('maxParallel caps how many combinations run at once', async () => {
  const config = new Pipeline('matrix-par', 'x').tasks(new Task('mtx', IMG).matrix({ N: ['1', '2', '3', '4', '5'], maxParallel: 2 })).build();
  const scheduler = new FakeScheduler({ delayMs: 15 });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(config);
    let running = 0;
    let most = 0;
    gofer.events.on((e) => {
      if (e.type === 'task.started') most = Math.max(most, ++running);
      if (e.type === 'task.completed') running--;
    });
    const run = await gofer.runs.start(config.id);
    assert.is((await gofer.runs.wait(config.id, run.runId)).status, 'successful');
    assert.is(most, 2);
    assert.is(scheduler.starts.length, 5);
  } finally {
    await gofer.close();
  }
});

test('failFast (the default): a failed combination cancels the others; failFast false lets them finish', async () => {
  const make = (failFast?: boolean) =>
    new Pipeline(`ff-${failFast ?? 'default'}`, 'x')
      .tasks(new Task('mtx', IMG).matrix({ N: ['1', '2', '3'], maxParallel: 2, ...(failFast === undefined ? {} : { failFast }) }))
      .build();
  const scripted = () => new FakeScheduler().script('mtx[N=1]', { exitCode: 1, delayMs: 10 }).script('mtx[N=2]', { hang: true });
  const fast = await runOnce(make(), scripted());
  assert.is(fast.tasks['mtx[N=1]']!.status, 'failed');
  assert.is(fast.tasks['mtx[N=2]']!.status, 'cancelled');
  assert.match(fast.tasks['mtx[N=2]']!.statusReason!.description, /failFast/);
  assert.is(fast.tasks['mtx[N=3]']!.status, 'cancelled', 'the combination not yet started is cancelled');
  assert.match(fast.tasks['mtx[N=3]']!.statusReason!.description, /failFast/);
  assert.is(fast.scheduler.startsOf('mtx[N=3]').length, 0);
  assert.is(fast.run.status, 'failed');

  const slow = await runOnce(make(false), new FakeScheduler().script('mtx[N=1]', { exitCode: 1 }).script('mtx[N=2]', { delayMs: 20 }));
  assert.is(slow.tasks['mtx[N=2]']!.status, 'successful');
  assert.is(slow.tasks['mtx[N=3]']!.status, 'successful');
  assert.is(slow.run.status, 'failed');
});

test("dependents judge a matrix's combinations together: one failed means failed", async () => {
  const config = new Pipeline('matrix-deps', 'x')
    .tasks(
      new Task('mtx', IMG).matrix({ N: ['1', '2'], failFast: false }),
      new Task('on_success', IMG).dependsOn('mtx', 'success'),
      new Task('on_failure', IMG).dependsOn('mtx', 'failure'),
      new Task('on_any', IMG).dependsOn('mtx', 'any').when("tasks.mtx.status == 'failed'"),
    )
    .build();
  const { tasks } = await runOnce(config, new FakeScheduler().script('mtx[N=2]', { exitCode: 2 }));
  assert.is(tasks['mtx[N=1]']!.status, 'successful');
  assert.is(tasks.on_success!.status, 'skipped');
  assert.match(tasks.on_success!.statusReason!.description, /parent "mtx" ended failed/);
  assert.is(tasks.on_failure!.status, 'successful');
  assert.is(tasks.on_any!.status, 'successful', '`when` sees the combined status too');
});

test('when: false skips the task with reason condition_false and the skip cascades; true runs it', async () => {
  const config = new Pipeline('when', 'x')
    .tasks(
      new Task('build', IMG),
      new Task('deploy', IMG).dependsOn('build').when("GIT_BRANCH == 'main' && tasks.build.status == 'successful'"),
      new Task('announce', IMG).dependsOn('deploy'),
      new Task('always', IMG).dependsOn('build').when("GIT_BRANCH != 'main'"),
    )
    .build();
  const off = await runOnce(config, new FakeScheduler(), { GIT_BRANCH: 'feature' });
  assert.is(off.tasks.deploy!.status, 'skipped');
  assert.is(off.tasks.deploy!.statusReason!.reason, 'condition_false');
  assert.match(off.tasks.deploy!.statusReason!.description, /GIT_BRANCH == 'main'/);
  assert.is(off.tasks.announce!.status, 'skipped', 'the skip cascades as a parent skip does');
  assert.is(off.tasks.always!.status, 'successful');
  assert.is(off.scheduler.startsOf('deploy').length, 0);
  assert.is(off.run.status, 'successful');

  const on = await runOnce(config, new FakeScheduler(), { GIT_BRANCH: 'main' });
  assert.is(on.tasks.deploy!.status, 'successful');
  assert.is(on.tasks.announce!.status, 'successful');
  assert.is(on.tasks.always!.status, 'skipped');
});

test('when: pipeline variables count; a variable not set reads as an empty string, named in the skip; a type error fails the task', async () => {
  const config = new Pipeline('when-vars', 'x')
    .tasks(
      new Task('aaa', IMG).variable('STAGE', 'prod').when("STAGE == 'prod'"),
      new Task('bbb', IMG).when("NOT_SET == 'x'"),
      new Task('ccc', IMG).when("NOT_SET == ''"),
      new Task('ddd', IMG).when('int(STAGE) > 1').variable('STAGE', 'prod'),
    )
    .build();
  const { tasks, run } = await runOnce(config);
  assert.is(tasks.aaa!.status, 'successful');
  assert.is(tasks.bbb!.status, 'skipped');
  assert.is(tasks.bbb!.statusReason!.reason, 'condition_false');
  assert.match(tasks.bbb!.statusReason!.description, /not set, so '': NOT_SET/);
  assert.is(tasks.ccc!.status, 'successful');
  assert.is(tasks.ddd!.status, 'failed');
  assert.is(tasks.ddd!.statusReason!.reason, 'failed_precondition');
  assert.match(tasks.ddd!.statusReason!.description, /could not be evaluated/);
  assert.is(run.status, 'failed');
});

test('allowFailure: the run succeeds with a note naming the task; dependents still see it failed', async () => {
  const config = new Pipeline('allow', 'x')
    .tasks(new Task('lint', IMG).allowFailure(), new Task('after_lint', IMG).dependsOn('lint', 'success'), new Task('build', IMG))
    .build();
  const { run, tasks } = await runOnce(config, new FakeScheduler().script('lint', { exitCode: 1 }));
  assert.is(tasks.lint!.status, 'failed');
  assert.is(tasks.lint!.allowFailure, true);
  assert.is(tasks.after_lint!.status, 'skipped');
  assert.is(run.status, 'successful');
  assert.is(run.statusReason!.reason, 'allowed_failure');
  assert.match(run.statusReason!.description, /"lint"/);

  const strict = await runOnce(
    new Pipeline('allow2', 'x').tasks(new Task('lint', IMG).allowFailure(), new Task('build', IMG)).build(),
    new FakeScheduler().script('build', { exitCode: 1 }),
  );
  assert.is(strict.run.status, 'failed', 'a failure without allowFailure still fails the run');
});

test('a rerun of failed tasks reruns only the failed combination of a matrix', async () => {
  const scheduler = new FakeScheduler().script('mtx[N=2]', { attempts: [{ exitCode: 1 }] });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    const config = new Pipeline('matrix-rerun', 'x')
      .tasks(new Task('mtx', IMG).matrix({ N: ['1', '2'], failFast: false }), new Task('after', IMG).dependsOn('mtx'))
      .build();
    await gofer.pipelines.register(config);
    const first = await gofer.runs.start(config.id);
    assert.is((await gofer.runs.wait(config.id, first.runId)).status, 'failed');
    const again = await gofer.runs.rerun(config.id, first.runId, { mode: 'failed' });
    assert.is((await gofer.runs.wait(config.id, again.runId)).status, 'failed', 'the fake fails attempt 1 of each run');
    const tasks = Object.fromEntries((await gofer.tasks.list(config.id, again.runId)).map((t) => [t.taskId, t]));
    assert.equal(tasks['mtx[N=1]']!.carriedFrom, { runId: first.runId });
    assert.is(tasks['mtx[N=2]']!.carriedFrom, undefined);
    assert.is(tasks['mtx[N=2]']!.matrix!.values.N, '2', 'a rerun row keeps its combination');
    const one = await gofer.runs.rerun(config.id, first.runId, { mode: 'task', taskId: 'mtx' });
    await gofer.runs.wait(config.id, one.runId);
    const rerunTasks = await gofer.tasks.list(config.id, one.runId);
    assert.equal(
      rerunTasks.filter((t) => t.carriedFrom === undefined).map((t) => t.taskId),
      ['mtx[N=1]', 'mtx[N=2]'],
      "a matrix task's id reruns every combination",
    );
  } finally {
    await gofer.close();
  }
});

test('outputs: stored with the completion, substituted into a dependent, a missing one fails it naming the reference', async () => {
  const config = new Pipeline('outputs', 'x')
    .tasks(
      new Task('build', IMG),
      new Task('deploy', IMG).dependsOn('build').variables({ V: 'v{{tasks.build.outputs.VERSION}}', M: '{{tasks.build.outputs.MULTI}}' }),
      new Task('missing', IMG).dependsOn('build').variable('X', '{{tasks.build.outputs.NOPE}}'),
    )
    .build();
  const scheduler = new FakeScheduler().script('build', { goferOutput: 'VERSION=1.2\nMULTI<<EOF\na\nb\nEOF\nVERSION=1.3\n' });
  const { tasks } = await runOnce(config, scheduler);
  assert.equal(
    [...tasks.build!.outputs!].sort((x, y) => x.key.localeCompare(y.key)),
    [
      { key: 'MULTI', value: 'a\nb' },
      { key: 'VERSION', value: '1.3' },
    ],
  );
  assert.is(scheduler.startsOf('deploy')[0]!.variables.V, 'v1.3', 'the last write of a key wins');
  assert.is(scheduler.startsOf('deploy')[0]!.variables.M, 'a\nb');
  assert.equal(tasks.deploy!.variables.find((v) => v.key === 'V')!.valueFrom, [{ store: 'task_output', key: 'build.VERSION' }]);
  assert.is(tasks.missing!.status, 'failed');
  assert.is(tasks.missing!.statusReason!.reason, 'failed_precondition');
  assert.match(tasks.missing!.statusReason!.description, /tasks\.build\.outputs\.NOPE, which task "build" did not write/);
  assert.is(scheduler.startsOf('missing').length, 0);
});

test('outputs: a file that breaks the format fails the task with outputs_invalid; a secret output is sealed, masked and masked in logs', async () => {
  const config = new Pipeline('outputs-bad', 'x')
    .tasks(new Task('bad', IMG), new Task('secret', IMG), new Task('reader', IMG).dependsOn('secret').variable('T', 'token={{tasks.secret.outputs.TOKEN}}'))
    .build();
  const scheduler = new FakeScheduler()
    .script('bad', { goferOutput: 'NOT A LINE\n' })
    .script('secret', { goferOutput: 'TOKEN::secret=hunter2-hunter2\n' })
    .script('reader', { output: ['reading hunter2-hunter2\n'] });
  const { gofer } = await goferWithFake({ scheduler, config: { secretKey: randomBytes(32).toString('hex') } });
  try {
    await gofer.pipelines.register(config);
    const run = await gofer.runs.start(config.id);
    await gofer.runs.wait(config.id, run.runId);
    const tasks = Object.fromEntries((await gofer.tasks.list(config.id, run.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.bad!.status, 'failed');
    assert.is(tasks.bad!.statusReason!.reason, 'outputs_invalid');
    assert.match(tasks.bad!.statusReason!.description, /line 1/);
    assert.equal(tasks.secret!.outputs, [{ key: 'TOKEN', value: '********', secret: true }]);
    assert.is(scheduler.startsOf('reader')[0]!.variables.T, 'token=hunter2-hunter2');
    assert.is(tasks.reader!.variables.find((v) => v.key === 'T')!.value, 'token=********');
    let log = '';
    for await (const chunk of gofer.tasks.logs(config.id, run.runId, 'reader')) log += Buffer.from(chunk).toString();
    assert.is(log, 'reading ********\n');
  } finally {
    await gofer.close();
  }
  // Without a secret key a secret output cannot be kept: the task fails, saying so.
  const keyless = await runOnce(
    new Pipeline('outputs-nokey', 'x').tasks(new Task('secret', IMG)).build(),
    new FakeScheduler().script('secret', { goferOutput: 'K::secret=v\n' }),
  );
  assert.is(keyless.tasks.secret!.statusReason!.reason, 'outputs_invalid');
  assert.match(keyless.tasks.secret!.statusReason!.description, /secret key/);
});

test("outputs of an attempt that is retried are dropped: only the last attempt's are kept", async () => {
  const config = new Pipeline('outputs-retry', 'x').tasks(new Task('flaky', IMG).retries({ limit: 1 })).build();
  const scheduler = new FakeScheduler().script('flaky', { attempts: [{ exitCode: 1, goferOutput: 'TRY=1\nFIRST=yes\n' }], goferOutput: 'TRY=2\n' });
  const { tasks } = await runOnce(config, scheduler);
  assert.is(tasks.flaky!.attempt, 2);
  assert.equal(tasks.flaky!.outputs, [{ key: 'TRY', value: '2' }]);
});

test('a workspace: every task of a run gets the same one, and it is removed when the run ends', async () => {
  const config = new Pipeline('wsp', 'x').workspace().tasks(new Task('write', IMG), new Task('read', IMG).dependsOn('write')).build();
  const scheduler = new FakeScheduler().script('write', { workspaceWrites: { 'a.txt': 'hello\n' } }).script('read', { workspaceReads: ['a.txt'] });
  const { run, tasks } = await runOnce(config, scheduler);
  assert.is(run.status, 'successful', JSON.stringify(tasks.read?.statusReason));
  const ids = scheduler.starts.map((s) => s.workspace?.id);
  assert.ok(ids[0] && ids[0] === ids[1], `one workspace for the run: ${JSON.stringify(ids)}`);
  assert.match(ids[0], /^wsp_1_[0-9a-f]+$/);
  assert.equal(scheduler.removedWorkspaces, [ids[0]]);
  const plain = await runOnce(new Pipeline('nows', 'x').tasks(new Task('one', IMG)).build());
  assert.is(plain.scheduler.starts[0]!.workspace, undefined, 'no workspace unless the pipeline asks');
});

test('registration refuses bad matrices, conditions and references, each at its path', () => {
  const tasks = (extra: Partial<AnyTaskConfig>, others: AnyTaskConfig[] = []) => ({
    id: 'x',
    name: 'x',
    tasks: [{ id: 'build', image: IMG }, ...others, { id: 'child', image: IMG, dependsOn: { build: 'success' }, ...extra } as AnyTaskConfig],
  });
  const expect = (config: unknown, path: string, message: RegExp) => {
    const problems = problemsOf(config);
    const hit = problems.find((p) => p.path === path);
    assert.ok(hit, `expected a problem at ${path}, got ${JSON.stringify(problems)}`);
    assert.match(hit.message, message);
  };
  expect(tasks({ matrix: { NODE: ['18'] }, variables: { NODE: '1' } }), '/tasks/1/matrix/NODE', /also a variable/);
  expect(tasks({ matrix: { NODE: ['18'], exclude: [{ OS: 'x' }] } }), '/tasks/1/matrix/exclude/0/OS', /not an axis/);
  expect(tasks({ matrix: { A: ['1'], exclude: [{ A: '1' }] } }), '/tasks/1/matrix', /removes every combination/);
  const many = Array.from({ length: 17 }, (_, i) => String(i));
  expect(tasks({ matrix: { A: many, B: many } }), '/tasks/1/matrix', /289 combinations, over the limit of 256/);
  expect(tasks({ matrix: {} }), '/tasks/1/matrix', /no axis/);
  expect(tasks({ matrix: { A: ['has space'] } }), '/tasks/1/matrix/A/0', /pattern/);
  expect(tasks({ matrix: { A: [] } }), '/tasks/1/matrix/A', /fewer than 1/);
  expect(tasks({ matrix: { A: ['1'], maxParallel: 0 } }), '/tasks/1/matrix/maxParallel', />= 1/);
  expect(tasks({ when: "GIT_BRANCH == 'main" }), '/tasks/1/when', /not a valid expression/);
  expect(
    tasks({ when: "tasks.other.status == 'successful'" }, [{ id: 'other', image: IMG }]),
    '/tasks/2/when',
    /not an ancestor.*add "other" to its dependsOn/,
  );
  expect(tasks({ when: "tasks.nope.status == 'successful'" }), '/tasks/1/when', /does not have/);
  expect(tasks({ variables: { V: '{{tasks.other.outputs.VERSION}}' } }, [{ id: 'other', image: IMG }]), '/tasks/2/variables/V', /not an ancestor/);
  expect(
    {
      id: 'x',
      name: 'x',
      tasks: [
        { id: 'test', image: IMG, matrix: { N: ['1', '2'] } },
        { id: 'child', image: IMG, dependsOn: { test: 'success' }, variables: { V: '{{tasks.test.outputs.R}}', W: '{{tasks.test[N=3].outputs.R}}' } },
      ],
    },
    '/tasks/1/variables/V',
    /is a matrix: name one combination, for example tasks.test\[N=1\].outputs/,
  );
  expect(
    {
      id: 'x',
      name: 'x',
      tasks: [
        { id: 'test', image: IMG, matrix: { N: ['1', '2'] } },
        { id: 'child', image: IMG, dependsOn: { test: 'success' }, variables: { W: '{{tasks.test[N=3].outputs.R}}' } },
      ],
    },
    '/tasks/1/variables/W',
    /does not have/,
  );
  assert.equal(
    problemsOf({
      id: 'x',
      name: 'x',
      tasks: [
        { id: 'test', image: IMG, matrix: { N: ['1', '2'] } },
        {
          id: 'child',
          image: IMG,
          dependsOn: { test: 'any' },
          when: "tasks['test[N=1]'].status == 'failed'",
          variables: { W: '{{tasks.test[N=2].outputs.R}}' },
        },
      ],
    }),
    [],
    'a combination of a matrix ancestor may be read',
  );
});

test.run();
