/**
 * The daylight-saving rules (ISC/Vixie cron, see docs/extensions.md), checked with the fake
 * clock at exact instants: every case names the zone, the transition and the fire times a user
 * of Debian's cron would expect, worked out by hand from the zone's offsets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCronExtension } from '@gofer/extension-cron';
import { fakeContext } from '../../../test/integration/extension-helpers/fake-context.js';
import { FakeClock } from '../../../test/integration/extension-helpers/fake-clock.js';

interface Case {
  zone: string;
  transition: 'fall back' | 'spring forward';
  expression: string;
  from: string;
  /** The next fire instants (UTC), in order. */
  fires: string[];
  why: string;
}

const CASES: Case[] = [
  // America/New_York 2026: EST -5 / EDT -4; spring 03-08 07:00Z, fall 11-01 06:00Z.
  {
    zone: 'America/New_York',
    transition: 'fall back',
    expression: '*/15 * * * *',
    from: '2026-11-01T05:40:00Z',
    fires: ['05:45', '06:00', '06:15', '06:30', '06:45', '07:00'].map((t) => `2026-11-01T${t}:00Z`),
    why: 'wildcard: both passes of 01:xx, no silent hour',
  },
  {
    zone: 'America/New_York',
    transition: 'fall back',
    expression: '30 1 * * *',
    from: '2026-11-01T04:00:00Z',
    fires: ['2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'],
    why: 'fixed time: once, at the first pass (01:30 EDT)',
  },
  {
    zone: 'America/New_York',
    transition: 'fall back',
    expression: '0 * * * *',
    from: '2026-11-01T04:30:00Z',
    fires: ['2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'],
    why: 'hourly keeps its real-time hour',
  },
  {
    zone: 'America/New_York',
    transition: 'spring forward',
    expression: '30 2 * * *',
    from: '2026-03-08T06:00:00Z',
    fires: ['2026-03-08T07:00:00Z', '2026-03-09T06:30:00Z'],
    why: 'skipped 02:30 fires right after the jump (03:00 EDT)',
  },
  {
    zone: 'America/New_York',
    transition: 'spring forward',
    expression: '*/30 * * * *',
    from: '2026-03-08T06:10:00Z',
    fires: ['2026-03-08T06:30:00Z', '2026-03-08T07:00:00Z', '2026-03-08T07:30:00Z'],
    why: 'wildcard: the skipped 02:xx times are not made up',
  },
  {
    zone: 'America/New_York',
    transition: 'spring forward',
    expression: '0,15,30,45 2 * * *',
    from: '2026-03-08T06:00:00Z',
    fires: ['2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z'],
    why: 'a list is fixed-time: four skipped times fire once after the jump',
  },
  // Europe/Berlin 2026: CET +1 / CEST +2; spring 03-29 01:00Z, fall 10-25 01:00Z.
  {
    zone: 'Europe/Berlin',
    transition: 'fall back',
    expression: '30 2 * * *',
    from: '2026-10-25T00:00:00Z',
    fires: ['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
    why: 'fixed time: 02:30 CEST only',
  },
  {
    zone: 'Europe/Berlin',
    transition: 'fall back',
    expression: '*/30 * * * *',
    from: '2026-10-24T23:50:00Z',
    fires: ['00:00', '00:30', '01:00', '01:30', '02:00'].map((t) => `2026-10-25T${t}:00Z`),
    why: 'wildcard: both passes of 02:xx',
  },
  {
    zone: 'Europe/Berlin',
    transition: 'fall back',
    expression: '*/20 * * * * *',
    from: '2026-10-25T00:59:30Z',
    fires: ['2026-10-25T00:59:40Z', '2026-10-25T01:00:00Z', '2026-10-25T01:00:20Z'],
    why: 'every 20 s: no silent hour at the change',
  },
  {
    zone: 'Europe/Berlin',
    transition: 'spring forward',
    expression: '30 2 * * *',
    from: '2026-03-29T00:00:00Z',
    fires: ['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z'],
    why: 'skipped 02:30 fires at 03:00 CEST',
  },
  {
    zone: 'Europe/Berlin',
    transition: 'spring forward',
    expression: '0 * * * *',
    from: '2026-03-28T23:30:00Z',
    fires: ['2026-03-29T00:00:00Z', '2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z'],
    why: 'hourly: one hour of real time apart',
  },
  // Australia/Sydney 2026: AEST +10 / AEDT +11; fall 04-04 16:00Z, spring 10-03 16:00Z.
  {
    zone: 'Australia/Sydney',
    transition: 'fall back',
    expression: '0 2 * * *',
    from: '2026-04-04T14:00:00Z',
    fires: ['2026-04-04T15:00:00Z', '2026-04-05T16:00:00Z'],
    why: 'fixed time: 02:00 AEDT, not again at 02:00 AEST',
  },
  {
    zone: 'Australia/Sydney',
    transition: 'fall back',
    expression: '*/30 2 * * *',
    from: '2026-04-04T14:50:00Z',
    fires: ['2026-04-04T15:00:00Z', '2026-04-04T15:30:00Z', '2026-04-04T16:00:00Z', '2026-04-04T16:30:00Z', '2026-04-05T16:00:00Z'],
    why: 'the minute starts with *: wildcard, both passes',
  },
  {
    zone: 'Australia/Sydney',
    transition: 'spring forward',
    expression: '30 2 * * *',
    from: '2026-10-03T15:00:00Z',
    fires: ['2026-10-03T16:00:00Z', '2026-10-04T15:30:00Z'],
    why: 'skipped 02:30 fires at 03:00 AEDT',
  },
  {
    zone: 'Australia/Sydney',
    transition: 'spring forward',
    expression: '*/30 2 * * *',
    from: '2026-10-03T15:00:00Z',
    fires: ['2026-10-04T15:00:00Z', '2026-10-04T15:30:00Z'],
    why: 'wildcard: the day without a 02:xx has no fire',
  },
  // Australia/Lord_Howe 2026: +10:30 / +11, a 30-minute shift; fall 04-04 15:00Z, spring 10-03 15:30Z.
  {
    zone: 'Australia/Lord_Howe',
    transition: 'fall back',
    expression: '45 1 * * *',
    from: '2026-04-04T14:00:00Z',
    fires: ['2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z'],
    why: 'fixed time: 01:45 (+11) once',
  },
  {
    zone: 'Australia/Lord_Howe',
    transition: 'fall back',
    expression: '*/15 1 * * *',
    from: '2026-04-04T14:10:00Z',
    fires: ['14:15', '14:30', '14:45', '15:00', '15:15'].map((t) => `2026-04-04T${t}:00Z`).concat('2026-04-05T14:30:00Z'),
    why: 'wildcard: 01:30 and 01:45 in both passes',
  },
  {
    zone: 'Australia/Lord_Howe',
    transition: 'spring forward',
    expression: '10 2 * * *',
    from: '2026-10-03T15:00:00Z',
    fires: ['2026-10-03T15:30:00Z', '2026-10-04T15:10:00Z'],
    why: 'skipped 02:10 fires at 02:30 (+11), right after the jump',
  },
  {
    zone: 'Australia/Lord_Howe',
    transition: 'spring forward',
    expression: '*/20 * * * *',
    from: '2026-10-03T15:00:00Z',
    fires: ['2026-10-03T15:10:00Z', '2026-10-03T15:40:00Z', '2026-10-03T16:00:00Z'],
    why: 'wildcard: 02:00 and 02:20 do not exist',
  },
];

for (const c of CASES) {
  test(`${c.zone}, ${c.transition}: "${c.expression}" (${c.why})`, async () => {
    const clock = new FakeClock(Date.parse(c.from));
    const firedAt: number[] = [];
    const ctx = fakeContext({
      startRun: async (req) => {
        firedAt.push(clock.now());
        assert.is(req.variables.CRON_SCHEDULED_AT, new Date(clock.now()).toISOString(), 'runs start at the scheduled instant');
        return { pipelineId: 'p', runId: firedAt.length };
      },
    });
    const ext = await createCronExtension({ clock }).create(ctx, {});
    await ext.subscribe({ subscriptionId: 'dst', pipelineId: 'p', settings: { expression: c.expression, timezone: c.zone } });
    const last = Date.parse(c.fires.at(-1)!);
    await clock.advance(last - clock.now());
    assert.equal(
      firedAt.map((t) => new Date(t).toISOString().replace('.000', '')),
      c.fires,
    );
    await ext.close?.();
  });
}

test('day of month and day of week: a day matches when either does (both restricted)', async () => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const ctx = fakeContext();
  const ext = await createCronExtension({ clock }).create(ctx, {});
  await ext.subscribe({ subscriptionId: 'or', pipelineId: 'p', settings: { expression: '0 0 13 * 5' } });
  await clock.advance(Date.parse('2026-01-16T00:00:00Z') - clock.now());
  // Fridays 2, 9, 16 and Tuesday the 13th.
  assert.equal(
    ctx.started.map((r) => r.variables.CRON_SCHEDULED_AT!.slice(0, 10)),
    ['2026-01-02', '2026-01-09', '2026-01-13', '2026-01-16'],
  );
  await ext.close?.();
});

test.run();
