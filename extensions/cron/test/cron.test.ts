import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCronExtension } from '@gofer/extension-cron';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';
import { FakeClock } from '../../../test/integration/extension-helpers/fake-clock.js';

const T0 = Date.parse('2026-01-01T00:00:30Z');
const sub = { subscriptionId: 's1', pipelineId: 'p', settings: { expression: '* * * * *' } };

test('fires exactly on each minute boundary, with its variables', async () => {
  const clock = new FakeClock(T0);
  const ctx = fakeContext();
  const ext = await createCronExtension({ clock }).create(ctx, { catchUp: 'one', timezone: 'UTC' });
  await ext.subscribe(sub);
  await clock.advance(29_999);
  assert.is(ctx.started.length, 0, 'not before 00:01:00');
  await clock.advance(1);
  assert.is(ctx.started.length, 1, 'at 00:01:00');
  assert.is(ctx.started[0]!.variables.CRON_SCHEDULED_AT, '2026-01-01T00:01:00.000Z');
  assert.is(ctx.started[0]!.variables.CRON_CATCH_UP, 'false');
  assert.is(ctx.started[0]!.eventId, 's1@2026-01-01T00:01:00.000Z');
  await clock.advance(59_999);
  assert.is(ctx.started.length, 1);
  await clock.advance(1);
  assert.is(ctx.started.length, 2, 'at 00:02:00');
  assert.is(ctx.stateMap.get('last-fire:s1'), String(Date.parse('2026-01-01T00:02:00Z')));
  await ext.close?.();
});

test('a restart neither fires twice nor drops: catchUp "one" starts one run for what was missed', async () => {
  const clock = new FakeClock(T0);
  const state = new Map<string, string>();
  const first = fakeContext({ state });
  const ext1 = await createCronExtension({ clock }).create(first, { catchUp: 'one' });
  await ext1.subscribe(sub);
  await clock.advance(30_000); // 00:01:00 fires
  assert.is(first.started.length, 1);
  await ext1.close?.();

  // Restart at 00:01:20: the 00:01:00 occurrence is already done.
  await clock.advance(20_000);
  const second = fakeContext({ state });
  const ext2 = await createCronExtension({ clock }).create(second, { catchUp: 'one' });
  await ext2.subscribe(sub);
  await clock.advance(0);
  assert.is(second.started.length, 0, 'no second run for 00:01:00');
  await clock.advance(40_000); // 00:02:00
  assert.is(second.started.length, 1);
  await ext2.close?.();

  // Down from 00:02:00 to 00:05:30: 3 occurrences missed, one catch-up run for 00:05:00.
  await clock.advance(210_000);
  const third = fakeContext({ state });
  const ext3 = await createCronExtension({ clock }).create(third, { catchUp: 'one' });
  await ext3.subscribe(sub);
  await clock.advance(0);
  assert.is(third.started.length, 1, 'one catch-up run');
  assert.is(third.started[0]!.variables.CRON_SCHEDULED_AT, '2026-01-01T00:05:00.000Z');
  assert.is(third.started[0]!.variables.CRON_CATCH_UP, 'true');
  assert.match(third.started[0]!.reason, /3 missed/);
  await clock.advance(30_000); // 00:06:00
  assert.is(third.started.length, 2);
  await ext3.close?.();
});

test('catchUp "none" skips what was missed and resumes on schedule', async () => {
  const clock = new FakeClock(T0);
  const state = new Map<string, string>();
  const ext1 = await createCronExtension({ clock }).create(fakeContext({ state }), { catchUp: 'none' });
  await ext1.subscribe(sub);
  await ext1.close?.();
  await clock.advance(300_000); // 00:05:30
  const ctx = fakeContext({ state });
  const ext2 = await createCronExtension({ clock }).create(ctx, { catchUp: 'none' });
  await ext2.subscribe(sub);
  await clock.advance(0);
  assert.is(ctx.started.length, 0);
  await clock.advance(30_000);
  assert.is(ctx.started.length, 1);
  assert.is(ctx.started[0]!.variables.CRON_SCHEDULED_AT, '2026-01-01T00:06:00.000Z');
  await ext2.close?.();
});

test('timezone: "0 9 * * *" in Europe/Paris fires at 08:00 UTC in winter', async () => {
  const clock = new FakeClock(Date.parse('2026-01-01T07:00:00Z'));
  const ctx = fakeContext();
  const ext = await createCronExtension({ clock }).create(ctx, {});
  await ext.subscribe({ subscriptionId: 'tz', pipelineId: 'p', settings: { expression: '0 9 * * *', timezone: 'Europe/Paris' } });
  await clock.advance(3_599_999);
  assert.is(ctx.started.length, 0);
  await clock.advance(1);
  assert.is(ctx.started.length, 1);
  assert.is(ctx.started[0]!.variables.CRON_SCHEDULED_AT, '2026-01-01T08:00:00.000Z');
  await ext.close?.();
});

test('refuses a malformed expression or timezone with ERR_INVALID_ARGUMENT', async () => {
  const clock = new FakeClock(T0);
  const ext = await createCronExtension({ clock }).create(fakeContext(), {});
  const cases: Array<Record<string, string>> = [{ expression: 'every minute' }, { expression: '* * * * *', timezone: 'Mars/Olympus' }];
  for (const settings of cases) {
    try {
      await ext.subscribe({ subscriptionId: 'bad', pipelineId: 'p', settings });
      assert.unreachable(`should refuse ${JSON.stringify(settings)}`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
    }
  }
  await ext.close?.();
});

test('unsubscribe stops the schedule and forgets the fire time', async () => {
  const clock = new FakeClock(T0);
  const ctx = fakeContext();
  const ext = await createCronExtension({ clock }).create(ctx, {});
  await ext.subscribe(sub);
  await ext.unsubscribe({ subscriptionId: 's1' });
  await clock.advance(120_000);
  assert.is(ctx.started.length, 0);
  assert.is(ctx.stateMap.has('last-fire:s1'), false);
  await ext.close?.();
});

test.run();
