import { test } from 'uvu';
import * as assert from 'uvu/assert';
import intervalExtension, { parseDuration } from '@gofer/extension-interval';
import { fakeContext, until } from '../../../test/integration/extension-helpers/fake-context.js';

test('parseDuration reads simple and composite durations', () => {
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('5m'), 300_000);
  assert.is(parseDuration('1h30m'), 5_400_000);
  assert.is(parseDuration('250ms'), 250);
  assert.is(parseDuration('5 minutes'), undefined);
  assert.is(parseDuration(''), undefined);
});

test('fires every interval with its variables, and stops on unsubscribe', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '10ms' });
  await ext.subscribe({ subscriptionId: 's1', pipelineId: 'p', settings: { every: '20ms' } });
  await until(() => ctx.started.length >= 3, 'three runs');
  const first = ctx.started[0]!;
  assert.is(first.subscriptionId, 's1');
  assert.is(first.variables.INTERVAL_EVERY, '20ms');
  assert.is(first.variables.INTERVAL_COUNT, '1');
  assert.ok(!Number.isNaN(Date.parse(first.variables.INTERVAL_FIRED_AT!)));
  assert.match(first.reason, /interval 20ms/);
  await ext.unsubscribe({ subscriptionId: 's1' });
  const count = ctx.started.length;
  await new Promise((r) => setTimeout(r, 80));
  assert.is(ctx.started.length, count, 'no run after unsubscribe');
  await ext.close?.();
});

test('refuses an interval below the configured minimum, naming it', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '1m' });
  try {
    await ext.subscribe({ subscriptionId: 's1', pipelineId: 'p', settings: { every: '30s' } });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
    assert.match((err as Error).message, /minimum/);
  }
  await ext.close?.();
});

test('jitter delays a firing by at most the jitter', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '10ms' });
  await ext.subscribe({ subscriptionId: 's1', pipelineId: 'p', settings: { every: '10ms', jitter: '30ms' } });
  await until(() => ctx.started.length >= 2, 'two runs');
  await ext.close?.();
});

test('close stops every timer', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '10ms' });
  await ext.subscribe({ subscriptionId: 'a', pipelineId: 'p', settings: { every: '10ms' } });
  await ext.subscribe({ subscriptionId: 'b', pipelineId: 'p', settings: { every: '10ms' } });
  await ext.close?.();
  const count = ctx.started.length;
  await new Promise((r) => setTimeout(r, 50));
  assert.is(ctx.started.length, count);
});

test.run();
