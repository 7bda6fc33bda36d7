/**
 * Issue 18 on the real Docker engine: outputs from a container to a dependent (plain,
 * multi-line, secret), a 2x2 matrix whose combinations see their values, a workspace file
 * written by one task and read by the next (and the volume gone after the run), and a `when`
 * that skips a branch.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger, Pipeline, Task, type Gofer } from '@gofer/core';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.ts';

const work = mkdtempSync(join(tmpdir(), 'gofer-together-docker-'));
const SECRET_KEY = randomBytes(32).toString('hex');

async function start(name: string): Promise<Gofer> {
  return createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    config: {
      scheduler: 'docker',
      dataDir: join(work, name),
      reapOrphans: false,
      secretKey: SECRET_KEY,
      root: process.cwd(),
      schedulers: { docker: { networkMode: 'none' } },
    },
  });
}

async function logOf(gofer: Gofer, p: string, r: number, t: string): Promise<string> {
  let text = '';
  for await (const chunk of gofer.tasks.logs(p, r, t)) text += Buffer.from(chunk).toString();
  return text;
}

function volumesOf(label: string): string[] {
  const out = execFileSync('docker', ['volume', 'ls', '-q', '--filter', `label=${label}`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n') : [];
}

async function runToEnd(gofer: Gofer, config: ReturnType<Pipeline['build']>, variables: Record<string, string> = {}) {
  await gofer.pipelines.register(config);
  const run = await gofer.runs.start(config.id, { variables });
  const done = await gofer.runs.wait(config.id, run.runId);
  const tasks = Object.fromEntries((await gofer.tasks.list(config.id, run.runId)).map((t) => [t.taskId, t]));
  return { run: done, tasks };
}

test('outputs: a container writes $GOFER_OUTPUT, its dependent receives them as variables, the secret one masked', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start('outputs');
  try {
    const config = new Pipeline('together-outputs', 'x')
      .tasks(
        new Task('build', TEST_IMAGE).command(
          'sh',
          '-c',
          'echo building; printf "VERSION=2.%s\\nNOTES<<EOF\\nline one\\nline two\\nEOF\\nTOKEN::secret=hush-hush-42\\n" "$GOFER_RUN_ID" >> "$GOFER_OUTPUT"',
        ),
        new Task('deploy', TEST_IMAGE)
          .dependsOn('build')
          .variables({ VERSION: 'v{{tasks.build.outputs.VERSION}}', NOTES: '{{tasks.build.outputs.NOTES}}', TOKEN: '{{ tasks.build.outputs.TOKEN }}' })
          .command('sh', '-c', 'echo "deploying $VERSION with $TOKEN"; printf "%s\\n" "$NOTES"'),
      )
      .build();
    const { run, tasks } = await runToEnd(gofer, config);
    assert.is(run.status, 'successful', JSON.stringify(run.statusReason));
    assert.equal(tasks.build!.outputs, [
      { key: 'VERSION', value: `2.${run.runId}` },
      { key: 'NOTES', value: 'line one\nline two' },
      { key: 'TOKEN', value: '********', secret: true },
    ]);
    assert.is(await logOf(gofer, config.id, run.runId, 'build'), 'building\n', 'writing outputs does not touch the log');
    assert.is(await logOf(gofer, config.id, run.runId, 'deploy'), `deploying v2.${run.runId} with ********\nline one\nline two\n`);
    const version = tasks.deploy!.variables.find((v) => v.key === 'VERSION')!;
    assert.equal(version.valueFrom, [{ store: 'task_output', key: 'build.VERSION' }]);
    assert.is(tasks.deploy!.variables.find((v) => v.key === 'TOKEN')!.value, '********');
  } finally {
    await gofer.close();
  }
});

test('outputs: a reference to an output the parent did not write fails the dependent, naming it', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start('missing');
  try {
    const config = new Pipeline('together-missing', 'x')
      .tasks(new Task('build', TEST_IMAGE).command('true'), new Task('deploy', TEST_IMAGE).dependsOn('build').variable('V', '{{tasks.build.outputs.VERSION}}'))
      .build();
    const { tasks } = await runToEnd(gofer, config);
    assert.is(tasks.deploy!.status, 'failed');
    assert.is(tasks.deploy!.statusReason!.reason, 'failed_precondition');
    assert.match(tasks.deploy!.statusReason!.description, /tasks\.build\.outputs\.VERSION/);
    assert.is(tasks.build!.outputs, undefined);
  } finally {
    await gofer.close();
  }
});

test('a 2x2 matrix: four containers, each seeing its combination, and a dependent after all of them', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start('matrix');
  try {
    const config = new Pipeline('together-matrix', 'x')
      .tasks(
        new Task('test', TEST_IMAGE)
          .matrix({ NODE: ['18', '20'], OS: ['alpine', 'debian'] })
          .command('sh', '-c', 'echo "node=$NODE os=$OS id=$GOFER_TASK_ID"; echo "SEEN=$NODE/$OS" >> "$GOFER_OUTPUT"'),
        new Task('summary', TEST_IMAGE)
          .dependsOn('test')
          .variable('ONE', '{{tasks.test[NODE=20,OS=debian].outputs.SEEN}}')
          .command('sh', '-c', 'echo "summary $ONE"'),
      )
      .build();
    const { run, tasks } = await runToEnd(gofer, config);
    assert.is(run.status, 'successful', JSON.stringify(run.statusReason));
    for (const node of ['18', '20'])
      for (const os of ['alpine', 'debian']) {
        const id = `test[NODE=${node},OS=${os}]`;
        assert.is(tasks[id]!.status, 'successful', id);
        assert.is(await logOf(gofer, config.id, run.runId, id), `node=${node} os=${os} id=${id}\n`);
        assert.equal(tasks[id]!.outputs, [{ key: 'SEEN', value: `${node}/${os}` }]);
      }
    assert.ok(
      Object.values(tasks)
        .filter((t) => t.matrix)
        .every((t) => t.ended! <= tasks.summary!.started!),
      'the dependent started after every combination ended',
    );
    assert.is(await logOf(gofer, config.id, run.runId, 'summary'), 'summary 20/debian\n');
  } finally {
    await gofer.close();
  }
});

test('a workspace: a file one task writes in /workspace is read by the next; the volume is gone after the run', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start('workspace');
  try {
    const config = new Pipeline('together-workspace', 'x')
      .workspace()
      .tasks(
        new Task('write', TEST_IMAGE).command('sh', '-c', 'echo "made in run $GOFER_RUN_ID" > /workspace/artifact.txt; echo "$GOFER_WORKSPACE"'),
        new Task('read', TEST_IMAGE).dependsOn('write').command('cat', '/workspace/artifact.txt'),
      )
      .build();
    const { run, tasks } = await runToEnd(gofer, config);
    assert.is(run.status, 'successful', JSON.stringify([run.statusReason, tasks.read?.statusReason]));
    assert.is(await logOf(gofer, config.id, run.runId, 'write'), '/workspace\n');
    assert.is(await logOf(gofer, config.id, run.runId, 'read'), `made in run ${run.runId}\n`);
    assert.equal(
      volumesOf('gofer.workspace').filter((v) => v.includes(`${config.id}_${run.runId}_`)),
      [],
      "the run's volume is removed with its containers",
    );
    // A second run has its own, empty workspace.
    const again = await gofer.runs.start(config.id);
    await gofer.runs.wait(config.id, again.runId);
    assert.is(await logOf(gofer, config.id, again.runId, 'read'), `made in run ${again.runId}\n`);
  } finally {
    await gofer.close();
  }
});

test('when: a false condition skips a branch on Docker (no container), the other branch runs', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start('when');
  try {
    const config = new Pipeline('together-when', 'x')
      .tasks(
        new Task('build', TEST_IMAGE).command('sh', '-c', 'echo "CHANNEL=beta" >> "$GOFER_OUTPUT"'),
        new Task('deploy_prod', TEST_IMAGE).dependsOn('build').when("GIT_BRANCH == 'main' && tasks.build.outputs.CHANNEL == 'stable'").command('echo', 'prod'),
        new Task('deploy_beta', TEST_IMAGE).dependsOn('build').when("tasks.build.outputs.CHANNEL == 'beta'").command('echo', 'beta'),
        new Task('notify', TEST_IMAGE).dependsOn('deploy_prod').command('echo', 'notified'),
      )
      .build();
    const { run, tasks } = await runToEnd(gofer, config, { GIT_BRANCH: 'main' });
    assert.is(run.status, 'successful');
    assert.is(tasks.deploy_prod!.status, 'skipped');
    assert.is(tasks.deploy_prod!.statusReason!.reason, 'condition_false');
    assert.is(tasks.deploy_prod!.schedulerId, undefined, 'a skipped task never reaches the engine');
    assert.is(tasks.notify!.status, 'skipped');
    assert.is(tasks.deploy_beta!.status, 'successful');
    assert.is(await logOf(gofer, config.id, run.runId, 'deploy_beta'), 'beta\n');
  } finally {
    await gofer.close();
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
