/**
 * The cron extension through createGofer on a real data directory, with an injected clock: it
 * fires exactly on schedule, and a restart (close, then createGofer on the same data dir)
 * neither fires an occurrence twice nor drops one that fell due while Gofer was down.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { createCronExtension } from '@gofer/extension-cron';
import { FakeClock } from './extension-helpers/fake-clock.js';

import { goferForExtensions, tempDataDir } from './extension-helpers/gofer-for-extensions.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';

test('fires on schedule and exactly once per occurrence across restarts (catchUp "one")', async () => {
  const data = tempDataDir();
  const clock = new FakeClock(Date.parse('2026-03-01T00:00:30Z'));
  const start = () =>
    goferForExtensions({ plugins: [createCronExtension({ clock })], config: { dataDir: data.dir, extensions: { cron: { catchUp: 'one' } } } });
  const runsOf = async (gofer: Awaited<ReturnType<typeof start>>['gofer']) => (await gofer.runs.list('minutely')).sort((a, b) => a.runId - b.runId);
  const settle = async (gofer: Awaited<ReturnType<typeof start>>['gofer']) => {
    for (const r of await gofer.runs.list('minutely')) await gofer.runs.wait('minutely', r.runId);
  };
  try {
    // Life 1: subscribe at 00:00:30; the 00:01:00 occurrence fires once.
    let { gofer } = await start();
    await gofer.pipelines.register(new Pipeline('minutely', 'Minutely').tasks(new Task('noop', IMG).command('true')).build());
    const sub = await gofer.subscriptions.create({ pipelineId: 'minutely', extension: 'cron', label: 'every-minute', settings: { expression: '* * * * *' } });
    assert.is(sub.status, 'active');
    await clock.advance(29_999);
    assert.is((await runsOf(gofer)).length, 0, 'nothing before 00:01:00');
    await clock.advance(1);
    await waitFor('the 00:01:00 run', async () => (await runsOf(gofer)).length === 1);
    const first = (await runsOf(gofer))[0]!;
    assert.is(first.variables.CRON_SCHEDULED_AT, '2026-03-01T00:01:00.000Z');
    assert.equal(first.initiator, {
      kind: 'extension',
      name: 'cron',
      subscriptionId: sub.subscriptionId,
      reason: 'cron "* * * * *" fired for 2026-03-01T00:01:00.000Z',
    });
    await settle(gofer);
    await gofer.close();

    // Life 2 starts at 00:01:20: 00:01:00 is done, so nothing fires until 00:02:00.
    await clock.advance(20_000);
    ({ gofer } = await start());
    assert.is((await gofer.subscriptions.get(sub.subscriptionId)).status, 'active', 'the subscription came back');
    // Cron arms its next occurrence only after it has started (and recorded) any due one.
    await waitFor('cron to arm 00:02:00', () => clock.nextDue === Date.parse('2026-03-01T00:02:00Z'));
    assert.is(await clock.advance(39_999), 0, 'nothing fires before 00:02:00');
    assert.is((await runsOf(gofer)).length, 1, 'no second run for 00:01:00');
    await clock.advance(1);
    await waitFor('the 00:02:00 run', async () => (await runsOf(gofer)).length === 2);
    assert.is((await runsOf(gofer))[1]!.variables.CRON_SCHEDULED_AT, '2026-03-01T00:02:00.000Z');
    await settle(gofer);
    await gofer.close();

    // Down from 00:02:00 to 00:05:30: three occurrences missed -> exactly one catch-up run.
    await clock.advance(210_000);
    ({ gofer } = await start());
    await waitFor('the catch-up run', async () => (await runsOf(gofer)).length === 3);
    const catchUp = (await runsOf(gofer))[2]!;
    assert.is(catchUp.variables.CRON_SCHEDULED_AT, '2026-03-01T00:05:00.000Z');
    assert.is(catchUp.variables.CRON_CATCH_UP, 'true');
    assert.match(catchUp.initiator.reason!, /catch-up for 3 missed/);
    await waitFor('cron to arm 00:06:00', () => clock.nextDue === Date.parse('2026-03-01T00:06:00Z'));
    assert.is((await runsOf(gofer)).length, 3, 'only one catch-up run');
    await settle(gofer);
    await gofer.close();

    // A restart right after the catch-up does not catch up again.
    ({ gofer } = await start());
    await waitFor('cron to arm 00:06:00', () => clock.nextDue === Date.parse('2026-03-01T00:06:00Z'));
    assert.is(await clock.advance(0), 0, 'nothing is due');
    assert.is((await runsOf(gofer)).length, 3);
    await gofer.close();
  } finally {
    data.remove();
  }
});

test('catchUp "none" skips occurrences missed while down', async () => {
  const data = tempDataDir();
  const clock = new FakeClock(Date.parse('2026-03-01T00:00:30Z'));
  const start = () =>
    goferForExtensions({ plugins: [createCronExtension({ clock })], config: { dataDir: data.dir, extensions: { cron: { catchUp: 'none' } } } });
  try {
    let { gofer } = await start();
    await gofer.pipelines.register(new Pipeline('skipper', 'Skipper').tasks(new Task('noop', IMG).command('true')).build());
    await gofer.subscriptions.create({ pipelineId: 'skipper', extension: 'cron', label: 'm', settings: { expression: '* * * * *', timezone: 'Europe/Paris' } });
    await gofer.close();
    await clock.advance(300_000);
    ({ gofer } = await start());
    await waitFor('cron to arm the next occurrence', () => clock.nextDue === Date.parse('2026-03-01T00:06:00Z'));
    assert.is(await clock.advance(0), 0, 'nothing is due');
    assert.is((await gofer.runs.list('skipper')).length, 0, 'missed occurrences skipped');
    await clock.advance(30_000);
    await waitFor('the next scheduled run', async () => (await gofer.runs.list('skipper')).length === 1);
    await gofer.runs.wait('skipper', 1);
    await gofer.close();
  } finally {
    data.remove();
  }
});

test.run();
