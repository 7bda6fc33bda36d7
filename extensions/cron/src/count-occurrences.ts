/**
 * Counts a schedule's fire times in a span without visiting each one: a matching day holds the
 * same number of fire times (seconds x minutes x hours of the pattern), so a span costs one step
 * per matching day, plus the corrections the DST rules make around each offset change. A year of
 * an every-second schedule is 366 steps instead of 31 million.
 */
import type { Schedule } from './schedule.js';
import { offsetAt, transitionsBetween, type Transition } from './tz-offsets.js';

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
/** Past this many matching days the count is extrapolated instead (and said to be approximate). */
const MAX_DAY_STEPS = 50_000;

/** How many times a schedule fired in a span; `exact` is false when it was extrapolated. */
export interface OccurrenceCount {
  count: number;
  exact: boolean;
}

interface DayCounter {
  /** Fire times per matching day. */
  perDay: number;
  /** Time-of-day fire times before `secondOfDay` (0..86400). */
  before(secondOfDay: number): number;
  matchesDay(day: number): boolean;
  /** Matching days in [firstDay, lastDay] (days since the epoch); approximate past MAX_DAY_STEPS. */
  matchingDays(firstDay: number, lastDay: number): OccurrenceCount;
  matchesWall(wallSecond: number): boolean;
}

function dayCounter(schedule: Schedule): DayCounter {
  const { second, minute, hour } = schedule.pattern;
  const sum = (a: readonly number[], end = a.length) => a.slice(0, end).reduce((n, v) => n + (v ? 1 : 0), 0);
  const s = sum(second);
  const m = sum(minute);
  const perHour = s * m;
  const perDay = perHour * sum(hour);
  const before = (x: number): number => {
    if (x <= 0) return 0;
    if (x >= DAY_S) return perDay;
    const h = Math.floor(x / 3600);
    const mi = Math.floor((x % 3600) / 60);
    const se = x % 60;
    let n = sum(hour, h) * perHour;
    if (hour[h]) n += sum(minute, mi) * s + (minute[mi] ? sum(second, se) : 0);
    return n;
  };
  const matchesDay = (day: number) => schedule.days.match(new Date(day * DAY_MS));
  const matchingDays = (firstDay: number, lastDay: number): OccurrenceCount => {
    let count = 0;
    let at = firstDay * DAY_MS - 1;
    for (let steps = 0; ; steps++) {
      const next = schedule.days.nextRun(new Date(at))?.getTime();
      if (next === undefined || next > lastDay * DAY_MS) return { count, exact: true };
      if (steps === MAX_DAY_STEPS) {
        // Extrapolate from the density so far.
        const covered = next / DAY_MS - firstDay;
        return { count: Math.round((count / Math.max(covered, 1)) * (lastDay - firstDay + 1)), exact: false };
      }
      count += 1;
      at = next;
    }
  };
  const matchesWall = (w: number) => {
    const day = Math.floor(w / DAY_S);
    const t = w - day * DAY_S;
    return matchesDay(day) && before(t + 1) - before(t) === 1;
  };
  return { perDay, before, matchesDay, matchingDays, matchesWall };
}

/** Fire times whose wall time (floating ms) is in [from, to): a pure count, no DST rules. */
function countWall(c: DayCounter, fromMs: number, toMs: number): OccurrenceCount {
  const a = Math.ceil(fromMs / 1000);
  const b = Math.ceil(toMs / 1000);
  if (b <= a || c.perDay === 0) return { count: 0, exact: true };
  const dayA = Math.floor(a / DAY_S);
  const dayB = Math.floor((b - 1) / DAY_S);
  if (dayA === dayB) return { count: c.matchesDay(dayA) ? c.before(b - dayA * DAY_S) - c.before(a - dayA * DAY_S) : 0, exact: true };
  let count = c.matchesDay(dayA) ? c.perDay - c.before(a - dayA * DAY_S) : 0;
  if (c.matchesDay(dayB)) count += c.before(b - dayB * DAY_S);
  if (dayB - dayA < 2) return { count, exact: true };
  const middle = c.matchingDays(dayA + 1, dayB - 1);
  return { count: count + middle.count * c.perDay, exact: middle.exact };
}

/**
 * The fire times in (after, upTo] (ms), counted under the schedule's DST rules: what croner's
 * nextRun would visit one by one.
 */
export function countOccurrences(schedule: Schedule, after: number, upTo: number): OccurrenceCount {
  if (upTo <= after) return { count: 0, exact: true };
  const c = dayCounter(schedule);
  const tz = schedule.timezone;
  // A fall-back just before `after` still hides the repeated times of a fixed-time schedule.
  const changes: Transition[] = transitionsBetween(tz, after - DAY_MS, upTo);
  let total = 0;
  let exact = true;
  const add = (n: OccurrenceCount) => {
    total += n.count;
    exact &&= n.exact;
  };
  // Instants [start, end) with one offset; `start` is after + 1 ms or a change.
  let start = after + 1;
  let offset = offsetAt(tz, start);
  let lastChange = changes.filter((t) => t.at <= start).at(-1);
  for (const change of [...changes.filter((t) => t.at > start && t.at <= upTo), undefined]) {
    const end = change ? change.at : upTo + 1;
    let wallFrom = start + offset;
    if (schedule.fixedTime && lastChange && lastChange.after < lastChange.before) {
      // Fixed-time schedules fired the repeated times in the first pass.
      wallFrom = Math.max(wallFrom, lastChange.at + lastChange.before);
    }
    add(countWall(c, wallFrom, end + offset));
    if (change && schedule.fixedTime && change.after > change.before) {
      // Skipped times fire once, at the jump, unless the first time after the jump fires anyway.
      const skipped = countWall(c, change.at + change.before, change.at + change.after);
      if (skipped.count > 0 && !c.matchesWall((change.at + change.after) / 1000)) total += 1;
    }
    if (!change) break;
    start = change.at;
    offset = change.after;
    lastChange = change;
  }
  return { count: total, exact };
}

/** Spans longer than this are counted in pieces, yielding to the event loop between them. */
const PIECE_MS = 14 * DAY_MS;

/** {@link countOccurrences} in two-week pieces with a turn of the event loop between them. */
export async function countOccurrencesYielding(schedule: Schedule, after: number, upTo: number): Promise<OccurrenceCount> {
  let count = 0;
  let exact = true;
  for (let from = after; from < upTo; from += PIECE_MS) {
    const piece = countOccurrences(schedule, from, Math.min(from + PIECE_MS, upTo));
    count += piece.count;
    exact &&= piece.exact;
    if (from + PIECE_MS < upTo) await new Promise((resolve) => setImmediate(resolve));
  }
  return { count, exact };
}

/** The last fire time in (after, upTo], or undefined when there is none. Costs a step per matching day of the last gap. */
export function latestOccurrence(schedule: Schedule, after: number, upTo: number, known?: { some: boolean }): number | undefined {
  if (!(known?.some ?? countOccurrences(schedule, after, upTo).count > 0)) return undefined;
  // croner's backward search, taken when the forward search agrees: p fires, and nothing fires in (p, upTo].
  const previous = schedule.cron.previousRuns(1, new Date(upTo + 1))[0]?.getTime();
  if (previous !== undefined && previous > after && previous <= upTo && schedule.next(previous - 1) === previous) {
    const following = schedule.next(previous);
    if (following === undefined || following > upTo) return previous;
  }
  // Widen a window back from upTo until it holds a fire time, then narrow to the second.
  let span = 1000;
  while (upTo - span > after && countOccurrences(schedule, upTo - span, upTo).count === 0) span *= 2;
  let hasNone = upTo - span / 2; // (hasNone, upTo] holds nothing (or span is 1000)
  let hasSome = Math.max(after, upTo - span);
  if (span === 1000) hasNone = upTo;
  // Invariant: (hasSome, upTo] holds a fire time, (hasNone, upTo] holds none.
  while (hasNone - hasSome > 1000) {
    const mid = hasSome + Math.floor((hasNone - hasSome) / 2000) * 1000;
    if (countOccurrences(schedule, mid, upTo).count > 0) hasSome = mid;
    else hasNone = mid;
  }
  // The fire time is in (hasSome, hasNone]: walk it (at most a second of fire times).
  let latest: number | undefined;
  for (let next = schedule.next(hasSome); next !== undefined && next <= upTo; next = schedule.next(next)) latest = next;
  return latest;
}
