/**
 * The extension host through createGofer with the process scheduler: an interval subscription
 * starts runs whose tasks see the runtime variables; subscriptions are validated, stored,
 * listed and removed; refusals are stored with their reason; eventId is idempotent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, defineExtension, type ExtensionContext, type GoferEvent } from '@gofer/core';
import intervalExtension from '@gofer/extension-interval';

import { goferForExtensions, taskOutput } from './extension-helpers/gofer-for-extensions.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

/** An extension that hands its context to the test, so the test can call startRun directly. */
function probeExtension() {
  const probe: { ctx?: ExtensionContext; subscribed: string[] } = { subscribed: [] };
  const definition = defineExtension({
    name: 'probe',
    apiVersion: 1,
    subscriptionSchema: { type: 'object', additionalProperties: false, properties: { mode: { enum: ['ok', 'refuse'] } } },
    create: (ctx) => {
      probe.ctx = ctx;
      return {
        subscribe: async (sub) => {
          if (sub.settings.mode === 'refuse') throw new Error('probe refuses mode "refuse"');
          probe.subscribed.push(sub.subscriptionId);
        },
        unsubscribe: async () => undefined,
      };
    },
  });
  return { probe, definition };
}

test('an interval subscription starts runs whose tasks see the runtime variables in their env', async () => {
  const { gofer } = await goferForExtensions({ plugins: [intervalExtension], config: { extensions: { interval: { minimum: '10ms' } } } });
  try {
    await gofer.pipelines.register(
      new Pipeline('ticks', 'Ticks')
        .tasks(new Task('show', IMG).command('sh', '-c', 'echo "every=$INTERVAL_EVERY count=$INTERVAL_COUNT at=$INTERVAL_FIRED_AT"'))
        .build(),
    );
    const sub = await gofer.subscriptions.create({ pipelineId: 'ticks', extension: 'interval', label: 'fast', settings: { every: '50ms' } });
    assert.is(sub.status, 'active');
    await waitFor('two runs', async () => (await gofer.runs.list('ticks')).length >= 2);
    await gofer.subscriptions.delete(sub.subscriptionId);
    const run = await gofer.runs.wait('ticks', 1);
    assert.is(run.status, 'successful');
    assert.equal(run.initiator, { kind: 'extension', name: 'interval', subscriptionId: sub.subscriptionId, reason: 'interval 50ms elapsed' });
    assert.is(run.variables.INTERVAL_EVERY, '50ms');
    const output = await taskOutput(gofer, 'ticks', 1, 'show');
    assert.match(output, /^every=50ms count=1 at=\d{4}-\d\d-\d\dT/);
    const task = await gofer.tasks.get('ticks', 1, 'show');
    assert.ok(task.variables.some((v) => v.key === 'INTERVAL_EVERY' && v.value === '50ms' && v.source === 'run_options'));
    for (const r of await gofer.runs.list('ticks')) await gofer.runs.wait('ticks', r.runId);
  } finally {
    await gofer.close();
  }
});

test('subscriptions are validated, stored, listed, refused with a reason, and removed', async () => {
  const { probe, definition } = probeExtension();
  const { gofer } = await goferForExtensions({ plugins: [definition, intervalExtension] });
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  try {
    await gofer.pipelines.register(new Pipeline('subs', 'Subs').tasks(new Task('noop', IMG).command('true')).build());
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
      );

    assert.match(
      await code(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'interval', label: 'x', settings: { every: 'soon' } })),
      /^ERR_INVALID_ARGUMENT: [\s\S]*\/settings\/every: must match pattern/,
    );
    assert.match(
      await code(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'interval', label: 'x', settings: { every: '1m', extra: 'y' } })),
      /unknown key "extra"/,
    );
    assert.match(
      await code(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'nope', label: 'x' })),
      /^ERR_NOT_FOUND: No extension named "nope" is loaded/,
    );
    assert.match(await code(gofer.subscriptions.create({ pipelineId: 'missing', extension: 'probe', label: 'x' })), /^ERR_NOT_FOUND/);
    assert.match(await code(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'probe', label: 'bad label!' })), /^ERR_INVALID_ARGUMENT: .*label/);

    const ok = await gofer.subscriptions.create({ pipelineId: 'subs', extension: 'probe', label: 'main', settings: { mode: 'ok' } });
    assert.is(ok.status, 'active');
    assert.equal(probe.subscribed, [ok.subscriptionId]);
    assert.match(await code(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'probe', label: 'main' })), /^ERR_CONFLICT/);

    const refused = await gofer.subscriptions.create({ pipelineId: 'subs', extension: 'probe', label: 'other', settings: { mode: 'refuse' } });
    assert.is(refused.status, 'error');
    assert.is(refused.statusReason, 'probe refuses mode "refuse"');
    const belowMinimum = await gofer.subscriptions.create({ pipelineId: 'subs', extension: 'interval', label: 'fast', settings: { every: '1s' } });
    assert.is(belowMinimum.status, 'error');
    assert.match(belowMinimum.statusReason!, /minimum/);

    assert.equal(
      (await gofer.subscriptions.list({ pipelineId: 'subs' })).map((s) => [s.extension, s.label, s.status]),
      [
        ['interval', 'fast', 'error'],
        ['probe', 'main', 'active'],
        ['probe', 'other', 'error'],
      ],
    );
    assert.equal((await gofer.subscriptions.get(ok.subscriptionId)).settings, { mode: 'ok' });
    const probeInfo = await gofer.extensions.get('probe');
    assert.equal(probeInfo.subscriptions, { active: 1, error: 1, disabled: 0 });
    assert.is(probeInfo.status, 'active');
    assert.ok((await gofer.extensions.list()).some((e) => e.name === 'interval'));

    await gofer.subscriptions.delete(refused.subscriptionId);
    assert.match(await code(gofer.subscriptions.get(refused.subscriptionId)), /^ERR_NOT_FOUND/);
    assert.equal(
      events.filter((e) => e.type.startsWith('subscription.')).map((e) => e.type),
      ['subscription.created', 'subscription.created', 'subscription.failed', 'subscription.created', 'subscription.failed', 'subscription.deleted'],
    );

    // Deleting the pipeline removes its subscriptions.
    await gofer.pipelines.delete('subs');
    await waitFor('subscriptions of the deleted pipeline gone', async () => (await gofer.subscriptions.list()).length === 0);
  } finally {
    await gofer.close();
  }
});

test('startRun records the initiator, and one eventId never starts two runs, even racing', async () => {
  const { probe, definition } = probeExtension();
  const { gofer } = await goferForExtensions({ plugins: [definition] });
  try {
    await gofer.pipelines.register(new Pipeline('events', 'Events').tasks(new Task('noop', IMG).command('true')).build());
    const sub = await gofer.subscriptions.create({ pipelineId: 'events', extension: 'probe', label: 'main' });
    const ctx = probe.ctx!;
    const req = { subscriptionId: sub.subscriptionId, variables: { A: '1' }, reason: 'delivery 42', eventId: 'delivery-42' };
    const [a, b] = await Promise.all([ctx.startRun(req), ctx.startRun(req)]);
    const c = await ctx.startRun(req);
    assert.equal(a, { pipelineId: 'events', runId: 1 });
    assert.equal(b, a);
    assert.equal(c, a);
    const other = await ctx.startRun({ ...req, eventId: 'delivery-43' });
    assert.is(other.runId, 2);
    const noEvent = await ctx.startRun({ subscriptionId: sub.subscriptionId, variables: {}, reason: 'no id' });
    assert.is(noEvent.runId, 3);
    assert.is((await gofer.runs.list('events')).length, 3);
    const run = await gofer.runs.get('events', 1);
    assert.equal(run.initiator, { kind: 'extension', name: 'probe', subscriptionId: sub.subscriptionId, reason: 'delivery 42' });

    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
    assert.is(await code(ctx.startRun({ subscriptionId: 'sub_unknown', variables: {}, reason: 'x' })), 'ERR_NOT_FOUND');
    assert.is(await code(ctx.startRun({ subscriptionId: sub.subscriptionId, variables: { 'bad-name': 'x' }, reason: 'x' })), 'ERR_INVALID_ARGUMENT');
    for (const r of await gofer.runs.list('events')) await gofer.runs.wait('events', r.runId);
  } finally {
    await gofer.close();
  }
});

test.run();
