/** A scheduler plugin named `noop` that does nothing: every container "exits 0" at once and prints nothing. */
import { defineScheduler } from '@gofer/core';

/** For benchmarks that measure the core, the store or the API, not a scheduler. */
export const noopScheduler = defineScheduler({
  name: 'noop',
  apiVersion: 1,
  create: () => ({
    startContainer: async (req) => ({ schedulerId: req.id }),
    stopContainer: async () => undefined,
    getState: async () => ({ state: 'exited' as const, exitCode: 0 }),
    getLogs: async () => ({ async *[Symbol.asyncIterator]() {} }),
  }),
});
