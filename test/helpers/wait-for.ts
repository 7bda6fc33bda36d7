/**
 * The one polling helper of the test suites: polls `check` until it returns a truthy value
 * (which it returns), and fails naming `what` once `timeoutMs` has passed. Polls always have a
 * deadline; "nothing happened" is never proved by waiting: use a fake clock or an event.
 *
 *   await waitFor('the run to start', async () => (await gofer.runs.get('p', 1)).state === 'running');
 *   const run = await waitFor('run 1', () => runs.find((r) => r.runId === 1), { timeoutMs: 30_000 });
 */
export interface WaitOptions {
  /**
   * How long to keep trying (default 30 s: a hang guard, generous because CI's 2 cores are shared
   * by two test files and their containers; a passing wait returns as soon as its check holds).
   */
  timeoutMs?: number;
  /** The pause between tries (default 10 ms). */
  intervalMs?: number;
}

export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export async function waitFor<T>(what: string, check: () => T | Promise<T>, { timeoutMs = 30_000, intervalMs = 10 }: WaitOptions = {}): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
