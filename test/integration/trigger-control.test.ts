/**
 * Runtime control of triggers over the HTTP API on 127.0.0.1: a disabled subscription and paused
 * triggers (instance and pipeline) refuse webhook deliveries with ERR_TRIGGER_PAUSED and record
 * each as a persisted `trigger.skipped` event; enabling and resuming let GitHub's documented
 * test vector and a form-encoded delivery start runs; an extension's log lines are readable.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import webhookExtension, { signBody } from '@gofer/extension-webhook';
import { startService } from '../../core/src/server/start-service.js';

const SECRET = "It's a Secret to Everybody";
const VECTOR = { body: 'Hello, World!', signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' };

test('disable, pause and resume through the HTTP API; skipped fires are events; logs are readable', async () => {
  const service = await startService({
    useEnv: false,
    plugins: [processScheduler, webhookExtension],
    config: {
      dataDir: ':memory:',
      scheduler: 'process',
      discover: false,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
      extensions: { webhook: { port: 0 } },
    },
  });
  const { gofer } = service;
  try {
    const base = service.server.address.url;
    const boot = await (await fetch(`${base}/api/tokens/bootstrap`, { method: 'POST' })).json();
    const token = (boot as { secret: string }).secret;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    await gofer.pipelines.register(new Pipeline('hooked', 'hooked').tasks(new Task('noop', 'gofer-test/busybox:latest').command('true')).build());
    const created = await api('POST', '/api/pipelines/hooked/subscriptions', { extension: 'webhook', label: 'gh', settings: { secret: SECRET } });
    assert.is(created.status, 201);
    assert.is(created.body.enabled, true);
    const id = created.body.subscriptionId as string;
    const logs = await api('GET', '/api/extensions/webhook/logs');
    const ready = (logs.body.items as Array<{ message: string; fields: Record<string, string> }>).find((l) => l.message === 'webhook subscription ready')!;
    const hook = ready.fields.url!;
    const vector = (delivery: string) =>
      fetch(hook, {
        method: 'POST',
        body: VECTOR.body,
        headers: { 'content-type': 'text/plain', 'x-hub-signature-256': VECTOR.signature, 'x-github-delivery': delivery },
      });
    const form = (delivery: string) => {
      const body = new URLSearchParams({ payload: JSON.stringify({ ref: 'refs/heads/main' }) }).toString();
      return fetch(hook, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-hub-signature-256': signBody(SECRET, body), 'x-github-delivery': delivery },
      });
    };

    const disabled = await api('POST', `/api/pipelines/hooked/subscriptions/${id}/disable`);
    assert.equal([disabled.status, disabled.body.enabled], [200, false]);
    const refused = await vector('v-1');
    assert.is(refused.status, 409);
    assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'ERR_TRIGGER_PAUSED');
    assert.is((await api('POST', `/api/pipelines/hooked/subscriptions/${id}/enable`)).body.enabled, true);
    const started = await vector('v-1');
    assert.is(started.status, 202, 'the redelivery of a skipped delivery starts its run once enabled');

    const paused = await api('POST', '/api/triggers/pause', { reason: 'maintenance' });
    assert.equal([paused.status, paused.body.instance.reason], [200, 'maintenance']);
    assert.is((await form('f-1')).status, 409);
    assert.is((await api('POST', '/api/triggers/resume')).body.instance, undefined);
    assert.is((await form('f-1')).status, 202, 'a form-encoded delivery starts a run');

    const pipelinePause = await api('POST', '/api/pipelines/hooked/triggers/pause', {});
    assert.equal(
      pipelinePause.body.pipelines.map((p: { pipelineId: string }) => p.pipelineId),
      ['hooked'],
    );
    assert.is((await vector('v-2')).status, 409);
    assert.equal((await api('GET', '/api/triggers')).body.pipelines.length, 1);
    await api('POST', '/api/pipelines/hooked/triggers/resume');
    assert.is((await vector('v-2')).status, 202);

    const events = await gofer.events.list({
      types: ['trigger.skipped', 'subscription.disabled', 'subscription.enabled', 'triggers.paused', 'triggers.resumed'],
    });
    assert.equal(
      events.map((e) => (e.type === 'trigger.skipped' ? `skipped:${e.payload.cause}:${e.payload.eventId}` : e.type)),
      [
        'subscription.disabled',
        'skipped:subscription_disabled:v-1',
        'subscription.enabled',
        'triggers.paused',
        'skipped:instance_paused:f-1',
        'triggers.resumed',
        'triggers.paused',
        'skipped:pipeline_paused:v-2',
        'triggers.resumed',
      ],
    );
    assert.equal(
      (await gofer.runs.list('hooked')).map((r) => r.runId),
      [3, 2, 1],
    );
    const info = await api('GET', '/api/extensions/webhook');
    assert.equal(info.body.subscriptions, { active: 1, error: 0, disabled: 0 });
  } finally {
    await service.close();
  }
});

test.run();
