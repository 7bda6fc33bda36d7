/** The variable rules of docs/pipelines-and-runs.md: precedence, sources, substitution, API token; on the fake scheduler. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import type { StartContainerRequest } from '@gofer/core/api';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

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

test("a run's variables are the ones it was started with: the caller changing its object afterwards changes no task's", async () => {
  const { gofer, scheduler } = await startAndWait(new Pipeline('vars-own', 'x').tasks(new Task('first', IMG), new Task('second', IMG).dependsOn('first')));
  try {
    const variables: Record<string, string> = { EXTRA: 'at start' };
    const run = await gofer.runs.start('vars-own', { variables });
    variables.EXTRA = 'changed later';
    await gofer.runs.wait('vars-own', run.runId);
    assert.equal(
      scheduler.starts.map((s) => s.variables.EXTRA),
      ['at start', 'at start'],
    );
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
    assert.equal(
      task.variables.find((v) => v.key === 'GOFER_PIPELINE_ID'),
      { key: 'GOFER_PIPELINE_ID', value: 'mine', source: 'pipeline_config' },
    );
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
    assert.equal(
      task.variables.find((v) => v.key === 'LEVEL'),
      { key: 'LEVEL', value: 'from-config', source: 'pipeline_config' },
    );
  } finally {
    await gofer.close();
  }
});

test('substitution succeeds and masks secret values in the stored variables', async () => {
  const { gofer, scheduler } = await startAndWait(
    new Pipeline('vars-subst2', 'x').tasks(
      new Task('the_task', IMG).variables({
        PSECRET: 'pipeline_secret{{db_pass}}',
        GSECRET: 'Bearer global_secret{{api_key}}',
        POBJ: 'pipeline_object{{version}}',
      }),
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

test("a run object substitution reads the run's own objects", async () => {
  const { gofer, scheduler } = await startAndWait(
    new Pipeline('vars-runobj', 'x').tasks(
      new Task('producer', IMG),
      new Task('consumer', IMG).variable('ART', 'run_object{{artifact}}').dependsOn('producer'),
    ),
  );
  try {
    scheduler.script('producer', { hang: true });
    const run = await gofer.runs.start('vars-runobj');
    await waitFor('scheduler.starts.length === 1', () => scheduler.starts.length === 1);
    await gofer.objects.put({ pipelineId: 'vars-runobj', runId: run.runId }, 'artifact', new TextEncoder().encode('built.tar'));
    scheduler.finish([...scheduler.containers.keys()][0]!, 0);
    assert.is((await gofer.runs.wait('vars-runobj', run.runId)).status, 'successful');
    assert.is(scheduler.startsOf('consumer')[0]!.variables.ART, 'built.tar');
  } finally {
    await gofer.close();
  }
});

test('a missing secret fails the task with failed_precondition naming the key', async () => {
  const { gofer } = await startAndWait(
    new Pipeline('vars-missing', 'x').tasks(new Task('the_task', IMG).variable('X', 'global_secret{{nope_key}}'), new Task('after', IMG).dependsOn('the_task')),
  );
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
  const { gofer, container, scheduler } = await startAndWait(new Pipeline('vars-token', 'x').tasks(new Task('the_task', IMG).injectApiToken(true)));
  try {
    scheduler.script('the_task', { hang: true });
    const run = await gofer.runs.start('vars-token');
    await waitFor('scheduler.starts.length === 1', () => scheduler.starts.length === 1);
    const token = scheduler.starts[0]!.variables.GOFER_API_TOKEN!;
    assert.match(token, /^gofer_run_/);
    const { RUN_TOKENS } = await import('../../core/src/runs/run-tokens.js');
    const tokens = container.resolve(RUN_TOKENS);
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

test('every key the task receives is listed: task secrets with their location (never a value), substitutions with their store', async () => {
  const { gofer, scheduler } = await startAndWait(
    new Pipeline('vars-all', 'x').tasks(
      new Task('the_task', IMG)
        .variables({ DSN: 'app:pipeline_secret{{db_pass}}@db/pipeline_object{{db}}', SHADOWED: 'loses to the secret' })
        .secret('REGISTRY_TOKEN', 'registry/token')
        .secret('SHADOWED', 'team/shadow'),
    ),
  );
  try {
    await gofer.secrets.put({ pipelineId: 'vars-all' }, 'db_pass', 'hunter2');
    await gofer.objects.put({ pipelineId: 'vars-all' }, 'db', new TextEncoder().encode('main'));
    const run = await gofer.runs.wait('vars-all', (await gofer.runs.start('vars-all')).runId);
    assert.is(run.status, 'successful');
    assert.equal(scheduler.starts[0]!.secrets, { REGISTRY_TOKEN: 'registry/token', SHADOWED: 'team/shadow' }, 'locations go to the scheduler untouched');
    const variables = (await gofer.tasks.get('vars-all', run.runId, 'the_task')).variables;
    const byKey = Object.fromEntries(variables.map((v) => [v.key, v]));
    assert.equal(byKey.REGISTRY_TOKEN, { key: 'REGISTRY_TOKEN', value: '********', source: 'scheduler_secret', location: 'registry/token' });
    assert.equal(byKey.SHADOWED, { key: 'SHADOWED', value: '********', source: 'scheduler_secret', location: 'team/shadow' }, "the scheduler's secret wins");
    assert.equal(byKey.DSN, {
      key: 'DSN',
      value: 'app:********@db/main',
      source: 'pipeline_config',
      valueFrom: [
        { store: 'pipeline_secret', key: 'db_pass' },
        { store: 'pipeline_object', key: 'db' },
      ],
    });
    assert.equal(variables.filter((v) => v.key === 'SHADOWED').length, 1, 'one row per key');
    assert.equal(
      variables.map((v) => v.key).sort(),
      [...Object.keys(scheduler.starts[0]!.variables), 'REGISTRY_TOKEN'].sort(),
      'no key the task receives is missing',
    );
    assert.not.ok(JSON.stringify(variables).includes('hunter2'));
  } finally {
    await gofer.close();
  }
});

test('a scheduler that carries secrets under other keys (secretEnv) is what the task lists', async () => {
  class FileSecrets extends FakeScheduler {
    override async startContainer(req: StartContainerRequest) {
      const started = await super.startContainer(req);
      return { ...started, secretEnv: Object.fromEntries(Object.entries(req.secrets).map(([env, location]) => [`${env}_FILE`, location])) };
    }
  }
  const { gofer } = await goferWithFake({ scheduler: new FileSecrets() });
  try {
    await gofer.pipelines.register(new Pipeline('vars-files', 'x').tasks(new Task('the_task', IMG).secret('DB_PASSWORD', 'db-password')).build());
    await gofer.runs.wait('vars-files', (await gofer.runs.start('vars-files')).runId);
    const secrets = (await gofer.tasks.get('vars-files', 1, 'the_task')).variables.filter((v) => v.source === 'scheduler_secret');
    assert.equal(secrets, [{ key: 'DB_PASSWORD_FILE', value: '********', source: 'scheduler_secret', location: 'db-password' }]);
  } finally {
    await gofer.close();
  }
});

test.run();
