/** Time as the cron extension sees it: injectable so tests can drive the schedule. */

/** A source of "now" and one-shot timers. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimer}. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

// setTimeout fires at once for delays past 2^31-1 ms; longer waits re-arm in steps.
const MAX_TIMER_MS = 2_147_483_647;

/** The wall clock. Long waits are split so a yearly schedule still works. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS)),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
