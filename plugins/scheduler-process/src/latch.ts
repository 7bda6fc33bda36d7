/**
 * A one-shot notification any number of waiters can subscribe to and leave again. The process
 * scheduler wakes its log tails and stop waits with it instead of AbortSignal listeners: a
 * signal shared by many concurrent waits trips Node's MaxListenersExceededWarning, and a
 * promise raced by each wait would keep one reaction per wait until it settles.
 */
export class Latch {
  private fired = false;
  private readonly waiters = new Set<() => void>();

  /** True once {@link set} was called. */
  get isSet(): boolean {
    return this.fired;
  }

  /** Fires every waiter once; later calls do nothing. */
  set(): void {
    if (this.fired) return;
    this.fired = true;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  /** Calls `fn` once the latch is set (at once if it is). Returns a function that unsubscribes. */
  onSet(fn: () => void): () => void {
    if (this.fired) {
      fn();
      return () => undefined;
    }
    const entry = () => fn();
    this.waiters.add(entry);
    return () => void this.waiters.delete(entry);
  }
}

/** Resolves after `ms`, or as soon as one of `latches` is set; leaves nothing subscribed. */
export function pause(ms: number, ...latches: Array<Latch | undefined>): Promise<void> {
  return new Promise((resolve) => {
    const leave: Array<() => void> = [];
    const done = () => {
      clearTimeout(timer);
      for (const unsubscribe of leave) unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const latch of latches) if (latch) leave.push(latch.onSet(done));
  });
}
