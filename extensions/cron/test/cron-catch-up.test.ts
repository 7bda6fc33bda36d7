/**
 * Catch-up after downtime: the missed occurrences are counted without visiting each one, the
 * count agrees with croner's own walk (DST changes included), and the reason states it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createCronExtension } from '@gofer/extension-cron';
import { countOccurrences, latestOccurrence } from '../src/count-occurrences.js';
import { parseSchedule } from '../src/schedule.js';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';
import { FakeClock } from '../../../test/integration/extension-helpers/fake-clock.js';

// Spans around both 2026 transitions of each zone, and expressions of every kind.
const SPANS: Array<[string, string, string]> = [
  ['America/New_York', '2026-03-07T00:00:00Z', '2026-03-09T12:00:00Z'],
  ['America/New_York', '2026-10-31T00:00:00Z', '2026-11-02T12:00:00Z'],
  ['Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T00:00:00Z'],
  ['Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T00:00:00Z'],
  ['Australia/Sydney', '2026-04-03T12:00:00Z', '2026-04-06T00:00:00Z'],
  ['Australia/Lord_Howe', '2026-10-02T12:00:00Z', '2026-10-05T00:00:00Z'],
  ['Australia/Lord_Howe', '2026-04-03T12:00:00Z', '2026-04-06T00:00:00Z'],
];
const EXPRESSIONS = [
  '*/15 * * * *',
  '0 * * * *',
  '30 2 * * *',
  '0,30 1-3 * * *',
  '0-30/15 2 * * *',
  '*/20 1,2 * * *',
  '*/20 * 1-3 * * *',
  '45 1 * * 0,6',
  '0 0 13 * 5',
];

test('counts and latest occurrences agree with walking croner, across DST changes', () => {
  for (const [zone, from, to] of SPANS) {
    for (const expression of EXPRESSIONS) {
      const schedule = parseSchedule(expression, zone);
      const a = Date.parse(from);
      const b = Date.parse(to);
      let walked = 0;
      let last: number | undefined;
      for (let t = schedule.next(a); t !== undefined && t <= b; t = schedule.next(t)) {
        walked += 1;
        last = t;
      }
      const counted = countOccurrences(schedule, a, b);
      assert.is(counted.count, walked, `${expression} in ${zone} over ${from}..${to}`);
      assert.ok(counted.exact);
      assert.is(latestOccurrence(schedule, a, b), last, `latest of ${expression} in ${zone}`);
    }
  }
});

test('a year of every-second downtime: one catch-up run with the exact count, and the event loop keeps turning', async () => {
  const down = Date.parse('2025-01-01T00:00:00Z');
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00.500Z'));
  const state = new Map([['last-fire:s', String(down)]]);
  const ctx = fakeContext({ state });
  const ext = await createCronExtension({ clock }).create(ctx, {});
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let turns = 0;
  const ticker = setInterval(() => (turns += 1), 1);
  await ext.subscribe({ subscriptionId: 's', pipelineId: 'p', settings: { expression: '* * * * * *', timezone: 'Europe/Berlin' } });
  clearInterval(ticker);
  histogram.disable();
  await clock.advance(0);
  assert.is(ctx.started.length, 1);
  assert.is(ctx.started[0]!.variables.CRON_SCHEDULED_AT, '2026-01-01T00:00:00.000Z');
  assert.is(ctx.started[0]!.variables.CRON_CATCH_UP, 'true');
  assert.match(ctx.started[0]!.reason, /catch-up for 31,536,000 missed occurrences/);
  // The count yields between pieces: timers ran while it worked (the benchmark measures the delay).
  assert.ok(turns > 0, 'the event loop turned during the count');
  await ext.close?.();
});

test('a parse error names the problem once, with one full stop', async () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const ext = await createCronExtension({ clock }).create(fakeContext(), {});
  try {
    await ext.subscribe({ subscriptionId: 'bad', pipelineId: 'p', settings: { expression: 'every minute' } });
    assert.unreachable('should refuse');
  } catch (err) {
    const message = (err as Error).message;
    assert.not.match(message, /\.\./);
    assert.match(message, /is not usable: .+\. Fix:/);
  }
  await ext.close?.();
});

test.run();
