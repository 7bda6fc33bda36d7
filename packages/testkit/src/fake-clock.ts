/**
 * A clock a test moves by hand. `createTestGofer` hands one to the core and to the fake
 * scheduler: the times Gofer records, a task's `timeoutMs` and a fake task's `delayMs` are all
 * on it, so an hour-long timeout is tested in milliseconds and every recorded time is known.
 * Nothing moves it but {@link FakeClock.advance}.
 */
import type { Clock, ClockTimer } from '@gofer/core/api';

interface PendingTimer {
  at: number;
  /** Order of creation: timers due at the same instant fire in the order they were set. */
  seq: number;
  callback: () => void;
}

/** 2026-01-01T00:00:00Z: where a {@link FakeClock} starts unless told otherwise. */
export const FAKE_CLOCK_START = Date.UTC(2026, 0, 1);

/** A {@link Clock} that stands still until the test advances it. */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<ClockTimer, PendingTimer>();
  private readonly waiters = new Set<() => void>();

  constructor(start: number = FAKE_CLOCK_START) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = Object.freeze({ fakeTimer: this.seq });
    this.timers.set(timer, { at: this.current + Math.max(0, ms), seq: this.seq++, callback });
    for (const wake of this.waiters) wake();
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer);
  }

  /** How many timers wait to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Resolves once at least `count` timers wait (at once when they already do). A test starts a
   * run and awaits this before advancing, so the task's timeout has been set when time moves.
   */
  whenPending(count = 1): Promise<void> {
    if (this.timers.size >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        if (this.timers.size < count) return;
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  /**
   * Moves time on by `ms`, firing every timer that falls due on the way, earliest first, with
   * the clock showing each one's due time. Between two timers it lets the work the first one
   * started go on (an I/O turn), so a stop it asked for is seen before the next timer fires.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be 0 or more, got ${ms}`);
    const target = this.current + ms;
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      const [timer, due] = next;
      this.timers.delete(timer);
      this.current = Math.max(this.current, due.at);
      due.callback();
      await ioTurn();
    }
    this.current = target;
    await ioTurn();
  }

  private nextDue(until: number): [ClockTimer, PendingTimer] | undefined {
    let best: [ClockTimer, PendingTimer] | undefined;
    for (const entry of this.timers) {
      if (entry[1].at > until) continue;
      if (!best || entry[1].at < best[1].at || (entry[1].at === best[1].at && entry[1].seq < best[1].seq)) best = entry;
    }
    return best;
  }
}

function ioTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
