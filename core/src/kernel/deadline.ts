/**
 * Settles like `promise`, or rejects with `onTimeout()` after `ms`. The promise itself goes on
 * (a late answer is ignored; the race has subscribed to it, so a late rejection is handled):
 * for calls into plugins and extensions, which cannot be cancelled.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
