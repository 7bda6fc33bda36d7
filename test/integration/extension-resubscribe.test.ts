/**
 * Subscriptions survive restarts: at start-up every stored subscription is handed to its
 * extension again; one that failed before is retried, and one whose extension is gone is
 * marked `error` with the reason.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import intervalExtension from '@gofer/extension-interval';
import { goferForExtensions, tempDataDir } from './extension-helpers/gofer-for-extensions.js';

test('stored subscriptions are subscribed again at start-up, failed ones retried', async () => {
  const data = tempDataDir();
  const start = (interval: Record<string, unknown> | false) =>
    goferForExtensions({
      plugins: interval === false ? [] : [intervalExtension],
      config: { dataDir: data.dir, extensions: interval === false ? {} : { interval } },
    });
  try {
    let { gofer } = await start({ minimum: '1m' });
    await gofer.pipelines.register(new Pipeline('restarts', 'Restarts').tasks(new Task('noop', 'gofer-test/busybox:latest').command('true')).build());
    const hourly = await gofer.subscriptions.create({ pipelineId: 'restarts', extension: 'interval', label: 'hourly', settings: { every: '1h' } });
    const fast = await gofer.subscriptions.create({ pipelineId: 'restarts', extension: 'interval', label: 'fast', settings: { every: '10s' } });
    assert.is(hourly.status, 'active');
    assert.is(fast.status, 'error');
    await gofer.close();

    // The operator lowers the minimum: the failed subscription is retried and now accepted.
    ({ gofer } = await start({ minimum: '5s' }));
    assert.equal(
      (await gofer.subscriptions.list()).map((s) => [s.label, s.status, s.statusReason]),
      [
        ['fast', 'active', undefined],
        ['hourly', 'active', undefined],
      ],
    );
    await gofer.close();

    // The extension is no longer installed: both are kept, marked error with the reason.
    ({ gofer } = await start(false));
    const subs = await gofer.subscriptions.list();
    assert.equal(
      subs.map((s) => s.status),
      ['error', 'error'],
    );
    assert.match(subs[0]!.statusReason!, /Extension "interval" is not loaded/);
    await gofer.close();
  } finally {
    data.remove();
  }
});

test.run();
