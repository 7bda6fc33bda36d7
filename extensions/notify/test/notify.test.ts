/**
 * The notify listener in a real core: rules on run outcomes post to an HTTP server on 127.0.0.1
 * (Gofer's JSON or Slack's format), failed posts are retried with backoff, the slow-run rule
 * fires on the fake clock, and no secret value ever leaves in a notification.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { createNotifyExtension, type NotifySettings } from '@gofer/extension-notify';
import { waitFor } from '../../../test/helpers/wait-for.js';
import { FakeClock } from '../../../test/integration/extension-helpers/fake-clock.js';
import { goferForExtensions } from '../../../test/integration/extension-helpers/gofer-for-extensions.js';

const IMG = 'gofer-test/busybox:latest';
const SECRET_VALUE = 's3cr3t-value-that-must-not-leak';

async function receiver(failFirst = 0) {
  const received: Array<{ path: string; body: Record<string, any>; raw: string }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (failures < failFirst) {
        failures += 1;
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(raw), raw });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, attempts: () => failures + received.length, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function setUp(settings: NotifySettings, clock?: FakeClock) {
  const { gofer } = await goferForExtensions({
    plugins: [createNotifyExtension(clock ? { clock } : {})],
    config: { secretKey: randomBytes(32).toString('hex'), extensions: { notify: settings as Record<string, unknown> } },
  });
  await gofer.pipelines.register(new Pipeline('flaky', 'fails when FAIL=1').tasks(new Task('check', IMG).command('sh', '-c', 'test "$FAIL" != 1')).build());
  return gofer;
}

test('failure, recovery and a streak of failures post JSON and Slack messages; no secret value leaves', async () => {
  const hook = await receiver();
  const gofer = await setUp({
    publicUrl: 'https://gofer.example.com',
    rules: [
      { on: 'failure', url: `${hook.url}/failure` },
      { on: 'recovery', urlSecret: 'SLACK_URL', format: 'slack' },
      { on: 'streak', count: 2, url: `${hook.url}/streak` },
      { on: 'failure', url: `${hook.url}/other`, pipelines: ['another'] },
    ],
  });
  try {
    await gofer.secrets.put({}, 'SLACK_URL', `${hook.url}/slack`);
    await gofer.secrets.put({ pipelineId: 'flaky' }, 'TOKEN', SECRET_VALUE);
    const extensions = await gofer.extensions.list();
    assert.is(extensions.find((e) => e.name === 'notify')!.listener, true);
    const sub = await gofer.subscriptions.create({ pipelineId: 'flaky', extension: 'notify', label: 'x' }).catch((e: { code: string; message: string }) => e);
    assert.is((sub as { code: string }).code, 'ERR_INVALID_ARGUMENT', 'a listener takes no subscriptions');

    for (const FAIL of ['1', '1', '0']) {
      const run = await gofer.runs.start('flaky', { variables: { FAIL, TOKEN: SECRET_VALUE } });
      await gofer.runs.wait('flaky', run.runId);
    }
    await waitFor('four notifications', () => hook.received.length >= 4);
    assert.equal(
      hook.received.map((r) => r.path),
      ['/failure', '/failure', '/streak', '/slack'],
    );
    const first = hook.received[0]!.body;
    assert.equal([first.type, first.pipelineId, first.runId, first.status, first.failuresInARow], ['run.failed', 'flaky', 1, 'failed', 1]);
    assert.is(first.url, 'https://gofer.example.com/pipelines/flaky/runs/1');
    assert.equal([hook.received[2]!.body.type, hook.received[2]!.body.failuresInARow], ['run.failing', 2]);
    const slack = hook.received[3]!.body;
    assert.match(slack.text, /flaky run 3 succeeded: flaky recovered <https:\/\/gofer\.example\.com\/pipelines\/flaky\/runs\/3\|open run>/);
    assert.is(slack.blocks[0].type, 'section');
    for (const r of hook.received) assert.not.ok(r.raw.includes(SECRET_VALUE) || r.raw.includes('/slack'), `no secret in ${r.path}`);
    const logs = await gofer.extensions.logs('notify');
    assert.ok(logs.some((l) => l.message === 'notification sent'));
    assert.not.ok(JSON.stringify(logs).includes('/slack'), 'the secret URL is never logged');
  } finally {
    await gofer.close();
    await hook.close();
  }
});

test('a failed post is retried with backoff until it is delivered', async () => {
  const hook = await receiver(2);
  const gofer = await setUp({ retryBaseMs: 5, rules: [{ on: 'failure', url: hook.url }] });
  try {
    const run = await gofer.runs.start('flaky', { variables: { FAIL: '1' } });
    await gofer.runs.wait('flaky', run.runId);
    await waitFor('the third attempt delivered', () => hook.received.length === 1);
    assert.is(hook.attempts(), 3);
    const logs = await gofer.extensions.logs('notify');
    assert.equal(
      logs.filter((l) => l.message === 'notification failed; retrying').map((l) => l.fields.retryInMs),
      [5, 10],
    );
  } finally {
    await gofer.close();
    await hook.close();
  }
});

test('a run still going after longerThan is reported once, on the fake clock', async () => {
  const hook = await receiver();
  const clock = new FakeClock(Date.now());
  const gofer = await setUp({ rules: [{ on: 'slow', longerThan: '10m', url: hook.url }] }, clock);
  try {
    await gofer.pipelines.register(new Pipeline('sleepy', 'sleeps').tasks(new Task('nap', IMG).command('sleep', '30')).build());
    const run = await gofer.runs.start('sleepy');
    await waitFor('the run is running', async () => (await gofer.runs.get('sleepy', run.runId)).state === 'running');
    await clock.advance(9 * 60_000);
    assert.is(hook.attempts(), 0, 'not before ten minutes');
    await clock.advance(60_000);
    await waitFor('the slow notification', () => hook.received.length === 1);
    assert.equal([hook.received[0]!.body.type, hook.received[0]!.body.runId], ['run.slow', run.runId]);
    await gofer.runs.cancel('sleepy', run.runId);
    await gofer.runs.wait('sleepy', run.runId);
  } finally {
    await gofer.close();
    await hook.close();
  }
});

test.run();
