/** Small helpers to stop waiting when a signal aborts. */

const ABORTED = Symbol('aborted');

/** The waits on each signal and the one real listener that serves them. */
const waitsOn = new WeakMap<AbortSignal, { waits: Set<() => void>; listener: () => void }>();

/**
 * Calls `listener` once when `signal` aborts; returns a function that unsubscribes it. Any number
 * of concurrent waits may share a signal (a run's signal is awaited by each of its running
 * tasks): they share one `abort` listener instead of adding one each, which past ten trips
 * Node's MaxListenersExceededWarning. The shared listener is removed with the last wait, so an
 * idle signal holds none. `listener` is called at once if `signal` already aborted.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  let entry = waitsOn.get(signal);
  if (!entry) {
    const waits = new Set<() => void>();
    const shared = () => {
      waitsOn.delete(signal);
      for (const wait of [...waits]) wait();
      waits.clear();
    };
    entry = { waits, listener: shared };
    waitsOn.set(signal, entry);
    signal.addEventListener('abort', shared, { once: true });
  }
  const wait = () => listener();
  const registered = entry;
  registered.waits.add(wait);
  return () => {
    if (!registered.waits.delete(wait) || registered.waits.size > 0) return;
    signal.removeEventListener('abort', registered.listener);
    if (waitsOn.get(signal) === registered) waitsOn.delete(signal);
  };
}

/**
 * Iterates `source` until it ends or `signal` aborts (then the iterator is returned).
 *
 * Each wait gets its own abort listener, removed as soon as the next item arrives. Racing every
 * `next()` against one long-lived "aborted" promise would leak: each race leaves a reaction on
 * that promise, and the reaction keeps the race's result (the item) reachable until the signal
 * aborts, so a task's whole output stayed in memory while it ran.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextUnlessAborted(iterator, signal);
      if (next === ABORTED || next.done) return;
      yield next.value;
    }
  } finally {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** The iterator's next result, or ABORTED as soon as `signal` aborts; holds nothing once settled. */
function nextUnlessAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const leave = onAbort(signal, () => resolve(ABORTED));
    iterator.next().then(
      (result) => {
        leave();
        resolve(result);
      },
      (err: unknown) => {
        leave();
        reject(err);
      },
    );
  });
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      leave();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const leave = onAbort(signal, done);
  });
}
