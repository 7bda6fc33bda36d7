/** DESIGN §6 variable rules: precedence, sources, substitution, API token; on the fake scheduler. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const IMG = 'gofer-test/busybox:latest';
const KEY = 'a3f1c2e4b5d6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** A Gofer on the fake scheduler with `pipeline` registered. */
async function startAndWait(pipeline: Pipeline) {
  const ctx = await goferWithFake({ config: { secretKey: KEY } });
  await ctx.gofer.pipelines.register(pipeline.build());
  return ctx;
}

test('system variables are injected: GOFER_PIPELINE_ID, GOFER_RUN_ID, GOFER_TASK_ID, GOFER_TASK_IMAGE', async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-system', 'x').tasks(new Task('the_task', IMG)));
  try {
    await gofer.runs.wait('vars-system', (await gofer.runs.start('vars-system')).runId);
    const env = scheduler.starts[0]!.variables;
    assert.is(env.GOFER_PIPELINE_ID, 'vars-system');
    assert.is(env.GOFER_RUN_ID, '1');
    assert.is(env.GOFER_TASK_ID, 'the_task');
    assert.is(env.GOFER_TASK_IMAGE, IMG);
    assert.not.ok('GOFER_API_TOKEN' in env, 'no token unless injectApiToken');
  } finally {
    await gofer.close();
  }
});

test('the seed example: a pipeline variable GOFER_PIPELINE_ID replaces the system one', async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-seed', 'x').tasks(new Task('the_task', IMG).variable('GOFER_PIPELINE_ID', 'mine')));
  try {
    await gofer.runs.wait('vars-seed', (await gofer.runs.start('vars-seed')).runId);
    assert.is(scheduler.starts[0]!.variables.GOFER_PIPELINE_ID, 'mine');
    const task = await gofer.tasks.get('vars-seed', 1, 'the_task');
    assert.equal(task.variables.find((v) => v.key === 'GOFER_PIPELINE_ID'), { key: 'GOFER_PIPELINE_ID', value: 'mine', source: 'pipeline_config' });
  } finally {
    await gofer.close();
  }
});

test('a runtime variable beats a system variable', async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-runtime', 'x').tasks(new Task('the_task', IMG)));
  try {
    await gofer.runs.wait('vars-runtime', (await gofer.runs.start('vars-runtime', { variables: { GOFER_RUN_ID: 'override', EXTRA: 'e' } })).runId);
    assert.is(scheduler.starts[0]!.variables.GOFER_RUN_ID, 'override');
    assert.is(scheduler.starts[0]!.variables.EXTRA, 'e');
    const task = await gofer.tasks.get('vars-runtime', 1, 'the_task');
    assert.is(task.variables.find((v) => v.key === 'GOFER_RUN_ID')!.source, 'run_options');
    assert.is(task.variables.find((v) => v.key === 'GOFER_TASK_ID')!.source, 'system');
  } finally {
    await gofer.close();
  }
});

test('a pipeline variable beats a runtime variable', async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-pipeline', 'x').tasks(new Task('the_task', IMG).variable('LEVEL', 'from-config')));
  try {
    await gofer.runs.wait('vars-pipeline', (await gofer.runs.start('vars-pipeline', { variables: { LEVEL: 'from-run' } })).runId);
    assert.is(scheduler.starts[0]!.variables.LEVEL, 'from-config');
    const task = await gofer.tasks.get('vars-pipeline', 1, 'the_task');
    assert.equal(task.variables.find((v) => v.key === 'LEVEL'), { key: 'LEVEL', value: 'from-config', source: 'pipeline_config' });
  } finally {
    await gofer.close();
  }
});

test('substitution succeeds and masks secret values in the stored variables', async () => {
  const { gofer, scheduler } = await startAndWait(
    new Pipeline('vars-subst2', 'x').tasks(
      new Task('the_task', IMG).variables({ PSECRET: 'pipeline_secret{{db_pass}}', GSECRET: 'Bearer global_secret{{api_key}}', POBJ: 'pipeline_object{{version}}' }),
    ),
  );
  try {
    await gofer.secrets.put({ pipelineId: 'vars-subst2' }, 'db_pass', 'hunter2');
    await gofer.secrets.put({}, 'api_key', 'k-123');
    await gofer.objects.put({ pipelineId: 'vars-subst2' }, 'version', new TextEncoder().encode('1.2.3'));
    const run = await gofer.runs.wait('vars-subst2', (await gofer.runs.start('vars-subst2')).runId);
    assert.is(run.status, 'successful');
    const env = scheduler.starts[0]!.variables;
    assert.is(env.PSECRET, 'hunter2');
    assert.is(env.GSECRET, 'Bearer k-123');
    assert.is(env.POBJ, '1.2.3');
    const stored = Object.fromEntries((await gofer.tasks.get('vars-subst2', 1, 'the_task')).variables.map((v) => [v.key, v.value]));
    assert.is(stored.PSECRET, '********');
    assert.is(stored.GSECRET, 'Bearer ********');
    assert.is(stored.POBJ, '1.2.3');
    assert.not.ok(JSON.stringify(stored).includes('hunter2'));
  } finally {
    await gofer.close();
  }
});

test('a run object substitution reads the run\'s own objects', async () => {
  const { gofer, scheduler } = await startAndWait(
    new Pipeline('vars-runobj', 'x').tasks(new Task('producer', IMG), new Task('consumer', IMG).variable('ART', 'run_object{{artifact}}').dependsOn('producer')),
  );
  try {
    scheduler.script('producer', { hang: true });
    const run = await gofer.runs.start('vars-runobj');
    await waitFor(() => scheduler.starts.length === 1);
    await gofer.objects.put({ pipelineId: 'vars-runobj', runId: run.runId }, 'artifact', new TextEncoder().encode('built.tar'));
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    assert.is((await gofer.runs.wait('vars-runobj', run.runId)).status, 'successful');
    assert.is(scheduler.startsOf('consumer')[0]!.variables.ART, 'built.tar');
  } finally {
    await gofer.close();
  }
});

test('a missing secret fails the task with failed_precondition naming the key', async () => {
  const { gofer } = await startAndWait(new Pipeline('vars-missing', 'x').tasks(new Task('the_task', IMG).variable('X', 'global_secret{{nope_key}}'), new Task('after', IMG).dependsOn('the_task')));
  try {
    const run = await gofer.runs.wait('vars-missing', (await gofer.runs.start('vars-missing')).runId);
    assert.is(run.status, 'failed');
    const task = await gofer.tasks.get('vars-missing', 1, 'the_task');
    assert.is(task.statusReason!.reason, 'failed_precondition');
    assert.match(task.statusReason!.description, /nope_key/);
    assert.is((await gofer.tasks.get('vars-missing', 1, 'after')).status, 'skipped');
  } finally {
    await gofer.close();
  }
});

test('injectApiToken: GOFER_API_TOKEN is a run-scoped token, stored masked, revoked when the run ends', async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-token', 'x').tasks(new Task('the_task', IMG).injectApiToken(true)));
  try {
    scheduler.script('the_task', { hang: true });
    const run = await gofer.runs.start('vars-token');
    await waitFor(() => scheduler.starts.length === 1);
    const token = scheduler.starts[0]!.variables.GOFER_API_TOKEN!;
    assert.match(token, /^gofer_run_/);
    const { RUN_TOKENS } = await import('../../core/src/kernel/tokens.js');
    const tokens = (gofer as unknown as { container: { resolve: (t: unknown) => { verify: (t: string) => unknown } } }).container.resolve(RUN_TOKENS);
    assert.equal(tokens.verify(token), { pipelineId: 'vars-token', runId: run.runId });
    const stored = (await gofer.tasks.get('vars-token', 1, 'the_task')).variables.find((v) => v.key === 'GOFER_API_TOKEN')!;
    assert.is(stored.value, '********');
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    await gofer.runs.wait('vars-token', run.runId);
    assert.is(tokens.verify(token), undefined, 'revoked once the run completed');
  } finally {
    await gofer.close();
  }
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test.run();
