/**
 * The REAL `gofer` CLI against the REAL service for runtime control of triggers: subscription
 * disable/enable, extension pause/resume/pauses (instance and pipeline) and extension logs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gofer, pipelineConfig, startServiceProcess, type RunningService } from './service-harness.js';

let svc: RunningService;
let env: Record<string, string>;

test.before(async () => {
  svc = await startServiceProcess();
  env = { GOFER_HOST: svc.url, GOFER_TOKEN: svc.token };
  const file = join(svc.dataDir, 'nightly.json');
  writeFileSync(file, JSON.stringify(pipelineConfig('nightly', [{ id: 'hello', command: ['true'] }])));
  assert.is((await gofer(['pipeline', 'create', file], env)).code, 0);
});

test.after(async () => {
  await svc?.stop();
});

test('subscription disable and enable; the list shows ENABLED', async () => {
  const created = await gofer(['--json', 'subscription', 'create', 'nightly', 'cron', 'at-three', '-s', 'expression=0 3 * * *'], env);
  assert.is(created.code, 0, created.stderr);
  const id = (JSON.parse(created.stdout) as { subscriptionId: string }).subscriptionId;
  const disabled = await gofer(['subscription', 'disable', 'nightly', id], env);
  assert.is(disabled.code, 0, disabled.stderr);
  assert.match(disabled.stdout, `Subscription ${id} disabled`);
  const list = await gofer(['subscription', 'list', 'nightly'], env);
  assert.match(list.stdout, /ENABLED/);
  assert.match(list.stdout, new RegExp(`${id}\\s+cron\\s+at-three\\s+active\\s+no`));
  const extensions = await gofer(['extension', 'list'], env);
  assert.match(extensions.stdout, /1 active, 0 error, 1 disabled/);
  assert.match(extensions.stdout, /notify\s.*listener/, 'the notify listener is listed as one');
  const enabled = await gofer(['--json', 'subscription', 'enable', 'nightly', id], env);
  assert.is((JSON.parse(enabled.stdout) as { enabled: boolean }).enabled, true);
});

test('extension pause/resume for the instance and for one pipeline; pauses lists them', async () => {
  assert.match((await gofer(['extension', 'pauses'], env)).stdout, 'No triggers are paused.');
  const paused = await gofer(['extension', 'pause', '-r', 'maintenance window'], env);
  assert.is(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /Every trigger of this instance is paused since .*: maintenance window/);
  const pipeline = await gofer(['extension', 'pause', '--pipeline', 'nightly'], env);
  assert.match(pipeline.stdout, /^nightly\s/m);
  const json = await gofer(['--json', 'extension', 'pauses'], env);
  const pauses = JSON.parse(json.stdout) as { instance?: { reason: string }; pipelines: Array<{ pipelineId: string }> };
  assert.equal([pauses.instance?.reason, pauses.pipelines.map((p) => p.pipelineId)], ['maintenance window', ['nightly']]);
  await gofer(['extension', 'resume'], env);
  const after = await gofer(['extension', 'resume', '--pipeline', 'nightly'], env);
  assert.match(after.stdout, 'No triggers are paused.');
  const unknown = await gofer(['extension', 'pause', '--pipeline', 'nope'], env);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /ERR_NOT_FOUND/);
});

test("extension logs prints an extension's own lines; --json prints them as objects", async () => {
  const logs = await gofer(['extension', 'logs', 'cron'], env);
  assert.is(logs.code, 0, logs.stderr);
  const json = await gofer(['--json', 'extension', 'logs', 'cron', '-l', 'debug'], env);
  const lines = json.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { seq: number; message: string });
  assert.ok(
    lines.every((l, i) => i === 0 || l.seq > lines[i - 1]!.seq),
    'oldest first',
  );
  const missing = await gofer(['extension', 'logs', 'no-such-extension'], env);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /ERR_NOT_FOUND/);
});

test.run();
