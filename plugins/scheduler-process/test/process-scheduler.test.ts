import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { isGoferError, type StartContainerRequest } from '@gofer/core/api';
import plugin, { executionNameFor, ProcessScheduler } from '../src/index.js';
import { collect, tempDir, testContext, waitForEnd } from '@gofer/testkit';

const ctx = testContext('process', tempDir('gofer-process'));
const scheduler = new ProcessScheduler(ctx);

const req = (id: string, command: string[], more: Partial<StartContainerRequest> = {}): StartContainerRequest => ({
  id,
  image: 'some/image:1',
  variables: {},
  secrets: {},
  command,
  labels: { 'gofer.test': 'process-unit' },
  ...more,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (err: unknown) => (isGoferError(err) ? `${err.code}: ${err.message}` : String(err)),
  );
}

test.after(async () => {
  for (const { schedulerId } of await scheduler.listContainers({ labels: {} })) await scheduler.removeContainer({ schedulerId });
});

test('the definition is a scheduler named process with a settings schema', () => {
  assert.is(plugin.kind, 'scheduler');
  assert.is(plugin.name, 'process');
  assert.is(plugin.apiVersion, 1);
  assert.ok(plugin.settingsSchema);
});

test('entrypoint then command run with exactly the given env; the image is warned about once', async () => {
  const a = await scheduler.startContainer(req('p_1_a', ['GREETING'], { entrypoint: ['/usr/bin/printenv'], variables: { GREETING: 'hi' } }));
  const b = await scheduler.startContainer(req('p_1_b', ['true'], { entrypoint: ['/usr/bin/env'] }));
  assert.is((await collect(await scheduler.getLogs(a))).stdout, 'hi\n');
  await waitForEnd(scheduler, b.schedulerId);
  assert.is(ctx.logger.entries.filter((e) => e.level === 'warn' && /not used/.test(e.message)).length, 1);
});

test('a task with neither entrypoint nor command is ERR_INVALID_ARGUMENT', async () => {
  assert.match(await codeOf(scheduler.startContainer(req('p_empty', []))), /^ERR_INVALID_ARGUMENT/);
});

test('a working directory that does not exist is a clear error naming it', async () => {
  const broken = new ProcessScheduler(ctx, { cwd: '/no/such/dir/for/gofer' });
  assert.match(await codeOf(broken.startContainer(req('p_cwd', ['true']))), /^ERR_SCHEDULER_UNAVAILABLE: .*\/no\/such\/dir\/for\/gofer.*"cwd"/);
});

test('a missing executable exits 127 with the reason on stderr', async () => {
  const { schedulerId } = await scheduler.startContainer(req('p_missing', ['/no/such/program']));
  const logs = await collect(await scheduler.getLogs({ schedulerId }));
  assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 127 });
  assert.match(logs.stderr, /no\/such\/program/);
});

test('ids that are not file-name safe are mapped deterministically and reach the same execution', async () => {
  const id = 'pipe/1 task:ä';
  assert.is(executionNameFor(id), executionNameFor(id));
  assert.match(executionNameFor(id), /^pipe-1-task---[0-9a-f]{10}$/);
  const { schedulerId } = await scheduler.startContainer(req(id, ['true']));
  assert.is(schedulerId, executionNameFor(id));
  assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
});

test('secrets from the configured env-file arrive as env vars, masked in logs; the same id started again replaces the old run', async () => {
  const envFile = join(tempDir('gofer-process-secrets'), 'secrets.env');
  writeFileSync(envFile, 'TOKEN=t0k3n\n');
  const withSecrets = new ProcessScheduler(ctx, { secrets: { envFile } });
  const first = await withSecrets.startContainer(req('p_secret', ['/bin/sleep', '60']));
  const script = 'printf %s "$MY_TOKEN" | sha256sum; echo "token=$MY_TOKEN"';
  const { schedulerId } = await withSecrets.startContainer(req('p_secret', ['/bin/sh', '-c', script], { secrets: { MY_TOKEN: 'TOKEN' } }));
  assert.is(schedulerId, first.schedulerId);
  const [hash, printed] = (await collect(await withSecrets.getLogs({ schedulerId }))).stdout.split('\n');
  assert.is(hash!.split(' ')[0], createHash('sha256').update('t0k3n').digest('hex')); // the value arrived
  assert.match(printed!, /^token=\*+$/); // and is masked where the task prints it
  const fresh = new ProcessScheduler(ctx, { secrets: { envFile } }); // a restarted core resolves it again to mask
  assert.match((await collect(await fresh.getLogs({ schedulerId }))).stdout, /\ntoken=\*+\n$/);
  assert.equal(await waitForEnd(withSecrets, schedulerId), { state: 'exited', exitCode: 0 });
});

test('listContainers filters by labels; removeContainer forgets the execution', async () => {
  const { schedulerId } = await scheduler.startContainer(req('p_list', ['true'], { labels: { 'gofer.test': 'process-unit', 'gofer.pipeline': 'pl' } }));
  const listed = await scheduler.listContainers({ labels: { 'gofer.pipeline': 'pl' } });
  assert.equal(
    listed.map((c) => c.schedulerId),
    [schedulerId],
  );
  assert.is(listed[0]!.labels['gofer.scheduler'], 'process');
  await scheduler.removeContainer({ schedulerId });
  assert.match(await codeOf(scheduler.getState({ schedulerId })), /^ERR_NO_SUCH_CONTAINER/);
});

test.run();
