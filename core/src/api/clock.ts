/**
 * Where the core reads the time. The default is the system clock; a test hands in one it moves
 * on at will (`@gofer/testkit`'s `FakeClock`), so a task's timeout or an hour between two runs
 * takes no real time.
 *
 * The clock decides what a user sees and sets: the times recorded on pipelines, runs, tasks and
 * events, and the limits a pipeline sets (a task's `timeoutMs`). The core's own pacing (polling a
 * scheduler, batching writes, plugin call deadlines, sweeps) stays on real time: it is how the
 * core works, not what a pipeline means, and a test must not have to drive it.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
  /** Calls `callback` once, when `ms` have passed on this clock. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer of this clock; a timer that already fired or was cleared is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/** A timer of a {@link Clock}: only the clock that made it reads it. */
export type ClockTimer = object;

/** The clock of the machine: `Date.now()` and Node's timers. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): ClockTimer => setTimeout(callback, ms),
  clearTimeout: (timer: ClockTimer) => clearTimeout(timer as NodeJS.Timeout),
});
