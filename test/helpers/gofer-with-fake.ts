/** Starts a Gofer core on a fake scheduler, in memory unless a data dir is given: for unit tests. */
import { createGofer, memoryLogger, type GoferConfigInput } from '@gofer/core';
import { FakeScheduler } from './fake-scheduler.js';

export async function goferWithFake(opts: { scheduler?: FakeScheduler; config?: Partial<GoferConfigInput> } = {}) {
  const scheduler = opts.scheduler ?? new FakeScheduler();
  const logger = memoryLogger('warn');
  const gofer = await createGofer({
    useEnv: false,
    logger,
    plugins: [scheduler.definition()],
    config: { dataDir: ':memory:', scheduler: 'fake', discover: false, logLevel: 'silent', stopTimeoutMs: 50, ...opts.config },
  });
  return { gofer, scheduler, logger };
}
