/**
 * Starts a Gofer core on a fake scheduler, in memory unless a data dir is given: for unit tests.
 * `container` is the core's root container, for tests that look behind the public API.
 */
import { memoryLogger, type GoferConfigInput } from '@gofer/core';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { FakeScheduler } from './fake-scheduler.js';

export async function goferWithFake(opts: { scheduler?: FakeScheduler; config?: Partial<GoferConfigInput> } = {}) {
  const scheduler = opts.scheduler ?? new FakeScheduler();
  const logger = memoryLogger('warn');
  const { gofer, container } = await startGofer({
    useEnv: false,
    logger,
    plugins: [scheduler.definition()],
    config: { dataDir: ':memory:', scheduler: 'fake', discover: false, logLevel: 'silent', stopTimeoutMs: 50, ...opts.config },
  });
  return { gofer, container, scheduler, logger };
}
