/** A clock the test moves by hand: timers fire, in order, when `advance` passes their time. */
export class FakeClock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  constructor(private current: number) {}

  now = (): number => this.current;

  setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.current + Math.max(0, ms), fn, id });
    return id;
  };

  clearTimer = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };

  /** Moves time forward, firing due timers (and timers they arm) in time order; returns how many fired. */
  async advance(ms: number): Promise<number> {
    const target = this.current + ms;
    let fired = 0;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      fired++;
      next.fn();
      // Let the fired callback's promise chain (startRun, state writes) settle.
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }
    this.current = target;
    return fired;
  }

  /** When the earliest armed timer is due (undefined when none is armed). */
  get nextDue(): number | undefined {
    return this.timers.length === 0 ? undefined : Math.min(...this.timers.map((t) => t.at));
  }

  get pending(): number {
    return this.timers.length;
  }
}
