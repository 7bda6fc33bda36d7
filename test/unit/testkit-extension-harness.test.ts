/**
 * The extension harness of @gofer/testkit: the interval extension tested without a core, and
 * what the fake context records and answers.
 */
import { mock } from 'node:test';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import intervalExtension from '@gofer/extension-interval';
import { extensionContext, startExtension } from '@gofer/testkit';

test('the interval extension starts a run per interval, with its variables', async () => {
  // Node's fake timers drive the extension's setTimeout chain; the harness needs no core.
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const ext = await startExtension(intervalExtension, { minimum: '1s' });
    await ext.subscribe({ every: '5s' });
    mock.timers.tick(5_000);
    await new Promise((resolve) => setImmediate(resolve));
    mock.timers.tick(5_000);
    await new Promise((resolve) => setImmediate(resolve));

    assert.is(ext.ctx.started.length, 2);
    const [first, second] = ext.ctx.started;
    assert.is(first!.subscriptionId, 's1');
    assert.is(first!.variables.INTERVAL_EVERY, '5s');
    assert.is(first!.variables.INTERVAL_COUNT, '1');
    assert.is(second!.variables.INTERVAL_COUNT, '2');
    assert.match(first!.reason, /interval 5s/);

    await ext.close();
    mock.timers.tick(60_000);
    assert.is(ext.ctx.started.length, 2, 'no run after close');
  } finally {
    mock.timers.reset();
  }
});

test('the interval extension refuses an interval below its minimum', async () => {
  const ext = await startExtension(intervalExtension, { minimum: '1m' });
  try {
    await ext.subscribe({ every: '30s' });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
    assert.match((err as Error).message, /minimum/);
  } finally {
    await ext.close();
  }
});

test('the fake context: eventId dedupes, state, secrets, events and a refusing startRun', async () => {
  const ctx = extensionContext({ secrets: { TOKEN: 's3cret' } });
  const first = await ctx.startRun({ subscriptionId: 's1', variables: {}, reason: 'push', eventId: 'e1' });
  const again = await ctx.startRun({ subscriptionId: 's1', variables: {}, reason: 'push', eventId: 'e1' });
  assert.equal(again, first);
  assert.is(ctx.started.length, 1);

  await ctx.state.set('last', '42');
  assert.is(ctx.stateMap.get('last'), '42');
  assert.is(await ctx.secret('TOKEN'), 's3cret');
  assert.is(await ctx.secret('OTHER'), undefined);

  const seen: string[] = [];
  const stop = ctx.events.subscribe((event) => seen.push(event.type));
  ctx.publish({ id: 1, type: 'run.started', at: 0, payload: { pipelineId: 'p', runId: 1 } });
  stop();
  ctx.publish({ id: 2, type: 'run.started', at: 0, payload: { pipelineId: 'p', runId: 2 } });
  assert.equal(seen, ['run.started']);

  let aborted = false;
  ctx.signal.addEventListener('abort', () => (aborted = true));
  ctx.abort();
  assert.ok(aborted);

  const paused = extensionContext({
    startRun: async () => {
      throw Object.assign(new Error('triggers paused'), { code: 'ERR_TRIGGER_PAUSED' });
    },
  });
  try {
    await paused.startRun({ subscriptionId: 's1', variables: {}, reason: 'tick' });
    assert.unreachable('should refuse');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_TRIGGER_PAUSED');
  }
  assert.is(paused.started.length, 0, 'a refused start is not recorded');
});

test.run();
