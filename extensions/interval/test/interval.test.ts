import { mock } from 'node:test';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import intervalExtension, { parseDuration } from '@gofer/extension-interval';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';
import { waitFor } from '../../../test/helpers/wait-for.js';

test('parseDuration reads simple and composite durations', () => {
  assert.is(parseDuration('30s'), 30_000);
  assert.is(parseDuration('5m'), 300_000);
  assert.is(parseDuration('1h30m'), 5_400_000);
  assert.is(parseDuration('250ms'), 250);
  assert.is(parseDuration('5 minutes'), undefined);
  assert.is(parseDuration(''), undefined);
});

/** Runs `body` with setTimeout on Node's fake clock: `tick(ms)` fires what is due, then lets each firing settle. */
async function withFakeTimers(body: (tick: (ms: number) => Promise<void>) => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    await body(async (ms) => {
      for (let elapsed = 0; elapsed < ms; elapsed++) {
        mock.timers.tick(1);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      }
    });
  } finally {
    mock.timers.reset();
  }
}

test('fires every interval with its variables, and stops on unsubscribe', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '10ms' });
  await withFakeTimers(async (tick) => {
    await ext.subscribe({ subscriptionId: 's1', pipelineId: 'p', settings: { every: '20ms' } });
    await tick(60);
    assert.is(ctx.started.length, 3, 'one run per 20 ms');
    await ext.unsubscribe({ subscriptionId: 's1' });
    await tick(1_000);
    assert.is(ctx.started.length, 3, 'no run after unsubscribe');
  });
  const first = ctx.started[0]!;
  assert.is(first.subscriptionId, 's1');
  assert.is(first.variables.INTERVAL_EVERY, '20ms');
  assert.is(first.variables.INTERVAL_COUNT, '1');
  assert.ok(!Number.isNaN(Date.parse(first.variables.INTERVAL_FIRED_AT!)));
  assert.match(first.reason, /interval 20ms/);
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
  await waitFor('two runs', () => ctx.started.length >= 2);
  await ext.close?.();
});

test('close stops every timer', async () => {
  const ctx = fakeContext();
  const ext = await intervalExtension.create(ctx, { minimum: '10ms' });
  await withFakeTimers(async (tick) => {
    await ext.subscribe({ subscriptionId: 'a', pipelineId: 'p', settings: { every: '10ms' } });
    await ext.subscribe({ subscriptionId: 'b', pipelineId: 'p', settings: { every: '10ms' } });
    await tick(10);
    assert.is(ctx.started.length, 2, 'both fired once');
    await ext.close?.();
    await tick(1_000);
    assert.is(ctx.started.length, 2, 'no run after close');
  });
});

test.run();
