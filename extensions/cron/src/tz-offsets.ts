/**
 * UTC offsets and their changes (daylight-saving transitions) of an IANA timezone, read from
 * the runtime's Intl data. Wall times are handled as "floating" epoch milliseconds: the local
 * date and time written as if it were UTC.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The offset (wall minus UTC, in ms) in force at the instant `at`. */
export function offsetAt(timezone: string, at: number): number {
  const whole = Math.floor(at / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timezone).formatToParts(new Date(whole))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - whole;
}

/** An offset change: from instant `at` on, `after` is in force instead of `before`. */
export interface Transition {
  at: number;
  before: number;
  after: number;
}

/**
 * Every offset change in [from, to]. Offsets are sampled once a day (no zone changes twice in a
 * day) and each change is pinned to the second by bisection.
 */
export function transitionsBetween(timezone: string, from: number, to: number): Transition[] {
  const found: Transition[] = [];
  let at = from;
  let offset = offsetAt(timezone, at);
  while (at < to) {
    const next = Math.min(at + DAY_MS, to);
    const nextOffset = offsetAt(timezone, next);
    if (nextOffset !== offset) {
      // The change is in (at, next]: find the first second with the new offset (in whole seconds).
      let lo = Math.floor(at / 1000);
      let hi = Math.floor(next / 1000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(timezone, mid * 1000) === offset) lo = mid;
        else hi = mid;
      }
      found.push({ at: hi * 1000, before: offset, after: nextOffset });
    }
    at = next;
    offset = nextOffset;
  }
  return found;
}
