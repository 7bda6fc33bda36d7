/**
 * A cron schedule in a timezone, with the daylight-saving rules of ISC (Vixie) cron, the cron of
 * Debian:
 * - A schedule whose minute or hour field starts with `*` is a *wildcard* schedule: it follows
 *   the clock as it is, so it fires in both passes of an hour that occurs twice (fall back) and
 *   skips the times a spring-forward jumps over; its real-time interval is kept.
 * - Any other schedule is a *fixed-time* schedule: a time that occurs twice fires once, at the
 *   first pass; a time skipped by a spring-forward fires right after the jump (several skipped
 *   times fire once).
 * croner does the parsing and the matching. Its own rule ("no-wildcard") calls a schedule
 * fixed-time only when its second, minute and hour fields hold no `*` and no step; to get ISC's
 * rule, a fixed-time schedule's time fields are handed to croner as the explicit lists croner
 * parsed from them (`0-30/15 2 * * *` becomes `0 0,15,30 2 * * *`), which it then treats as fixed-time.
 */
import { Cron, CronPattern, type CronOptions } from 'croner';

/** Fields past the time fields, and the time fields themselves, of a 5- or 6-field expression. */
const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const BASE_OPTIONS: CronOptions = { paused: true, mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' };

/** The indexes set in one of croner's 0/1 arrays, as a cron list ("0,15,30"). */
const listOf = (flags: readonly number[]): string =>
  flags
    .map((on, i) => (on ? i : -1))
    .filter((i) => i >= 0)
    .join(',');

/** A parsed schedule: what fires when, in real time. */
export interface Schedule {
  readonly expression: string;
  readonly timezone: string;
  /** True for a fixed-time schedule (see the file comment), false for a wildcard one. */
  readonly fixedTime: boolean;
  /** The croner job that computes fire times (DST rules applied). */
  readonly cron: Cron;
  /** The parsed fields: 0/1 per second, minute, hour (for counting without walking). */
  readonly pattern: CronPattern;
  /** A day-only pattern (midnight of matching days, in UTC wall time): which dates match. */
  readonly days: Cron;
  /** The first fire time strictly after `after` (ms), or undefined when there is none. */
  next(after: number): number | undefined;
}

/** Parses `expression` for `timezone`; throws croner's error (with its message) when it is not valid. */
export function parseSchedule(expression: string, timezone: string): Schedule {
  const trimmed = expression.trim();
  const expanded = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const fields = expanded.split(/\s+/);
  // croner checks the field count and everything else; these only read fields that exist.
  const timeFields = fields.length === 6 ? fields.slice(0, 3) : ['0', ...fields.slice(0, 2)];
  const dateFields = fields.length === 6 ? fields.slice(3) : fields.slice(2);
  const wild = (field: string | undefined) => field === undefined || field.startsWith('*') || field.startsWith('?');
  const fixedTime = !wild(timeFields[1]) && !wild(timeFields[2]);

  const pattern = new CronPattern(expanded, timezone, { mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard' });
  const forCroner = fixedTime ? [listOf(pattern.second), listOf(pattern.minute), listOf(pattern.hour), ...dateFields].join(' ') : expanded;
  const cron = new Cron(forCroner, { ...BASE_OPTIONS, timezone });
  // A fixed UTC offset, not the "UTC" zone: the same dates, and croner skips its Intl lookups (15x faster).
  const days = new Cron(['0', '0', '0', ...dateFields].join(' '), { ...BASE_OPTIONS, utcOffset: 0 });
  return {
    expression,
    timezone,
    fixedTime,
    cron,
    pattern,
    days,
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
  };
}
