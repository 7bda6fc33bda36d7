/**
 * The webhook extension through createGofer, on real sockets on 127.0.0.1: a correctly signed
 * delivery starts a run whose task sees the mapped variables; a wrong signature, an oversized
 * body and malformed JSON are refused with clear errors; the subscription's secret comes from
 * the secret store (`pipeline_secret{{KEY}}`).
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import webhookExtension, { signBody, type WebhookExtension } from '@gofer/extension-webhook';
import { PLUGIN_REGISTRY } from '../../core/src/plugin-host/registry.js';
import { goferForExtensions, taskOutput } from './extension-helpers/gofer-for-extensions.js';

const IMG = 'gofer-test/busybox:latest';
const KEY = randomBytes(32).toString('hex');
const SECRET = 'webhook-shared-secret';

test('signed deliveries start runs; bad signatures, big bodies and bad JSON are refused', async () => {
  const { gofer, container } = await goferForExtensions({
    plugins: [webhookExtension],
    config: { secretKey: KEY, extensions: { webhook: { port: 0, maxBodyBytes: 2048 } } },
  });
  try {
    await gofer.pipelines.register(new Pipeline('hooked', 'Hooked').tasks(new Task('show', IMG).command('sh', '-c', 'echo "ref=$REF event=$EVENT"')).build());
    await gofer.secrets.put({ pipelineId: 'hooked' }, 'HOOK_SECRET', SECRET);
    const sub = await gofer.subscriptions.create({
      pipelineId: 'hooked',
      extension: 'webhook',
      label: 'github',
      settings: { secret: 'pipeline_secret{{HOOK_SECRET}}', 'variable.REF': 'body:/ref', 'variable.EVENT': 'header:X-GitHub-Event' },
    });
    assert.is(sub.status, 'active');
    assert.is(sub.settings.secret, 'pipeline_secret{{HOOK_SECRET}}', 'the stored settings keep the reference, not the value');
    const webhook = container.resolve(PLUGIN_REGISTRY).extension('webhook')!.instance as WebhookExtension;
    const url = webhook.urlFor(sub.subscriptionId)!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/sub_/);

    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const post = (payload: string, headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', ...headers } });

    const ok = await post(body, { 'x-hub-signature-256': signBody(SECRET, body), 'x-github-event': 'push', 'x-github-delivery': 'guid-1' });
    assert.is(ok.status, 202);
    const answer = (await ok.json()) as { pipelineId: string; runId: number };
    assert.equal(answer, { pipelineId: 'hooked', runId: 1, subscriptionId: sub.subscriptionId });
    const run = await gofer.runs.wait('hooked', 1);
    assert.is(run.status, 'successful');
    assert.equal(run.initiator, { kind: 'extension', name: 'webhook', subscriptionId: sub.subscriptionId, reason: 'webhook push delivery guid-1' });
    assert.match(await taskOutput(gofer, 'hooked', 1, 'show'), /^ref=refs\/heads\/main event=push/);

    // GitHub redelivers with the same delivery id: the same run, no new one.
    const again = await post(body, { 'x-hub-signature-256': signBody(SECRET, body), 'x-github-event': 'push', 'x-github-delivery': 'guid-1' });
    assert.is(((await again.json()) as { runId: number }).runId, 1);

    const wrong = await post(body, { 'x-hub-signature-256': signBody('not the secret', body) });
    assert.is(wrong.status, 401);
    assert.match(((await wrong.json()) as { error: { message: string } }).error.message, /X-Hub-Signature-256 does not match/);

    const big = JSON.stringify({ ref: 'x'.repeat(4096) });
    const tooBig = await post(big, { 'x-hub-signature-256': signBody(SECRET, big) });
    assert.is(tooBig.status, 413);
    assert.match(((await tooBig.json()) as { error: { message: string } }).error.message, /larger than the limit of 2048 bytes/);

    const broken = '{"ref": "refs/heads/main"';
    const malformed = await post(broken, { 'x-hub-signature-256': signBody(SECRET, broken) });
    assert.is(malformed.status, 400);
    assert.match(((await malformed.json()) as { error: { message: string } }).error.message, /not valid JSON/);

    assert.is((await gofer.runs.list('hooked')).length, 1, 'only the good delivery started a run');

    // After the subscription is deleted its path is gone.
    await gofer.subscriptions.delete(sub.subscriptionId);
    assert.is((await post(body, { 'x-hub-signature-256': signBody(SECRET, body) })).status, 404);
  } finally {
    await gofer.close();
  }
});

test('a subscription whose secret does not exist is stored with status error naming the key', async () => {
  const { gofer } = await goferForExtensions({ plugins: [webhookExtension], config: { secretKey: KEY, extensions: { webhook: { port: 0 } } } });
  try {
    await gofer.pipelines.register(new Pipeline('nosecret', 'No secret').tasks(new Task('noop', IMG).command('true')).build());
    const sub = await gofer.subscriptions.create({
      pipelineId: 'nosecret',
      extension: 'webhook',
      label: 'gh',
      settings: { secret: 'global_secret{{MISSING_KEY}}' },
    });
    assert.is(sub.status, 'error');
    assert.match(sub.statusReason!, /global_secret\{\{MISSING_KEY\}\}, which does not exist/);
  } finally {
    await gofer.close();
  }
});

test.run();
