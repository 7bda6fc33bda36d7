/** Paths of the fixture plugin packages and a quiet createGofer for plugin-host tests. */
import { fileURLToPath } from 'node:url';
import { createGofer, memoryLogger, type GoferConfigInput, type GoferOptions } from '@gofer/core';

export const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/**
 * Starts Gofer with only the given fixture folders as plugin sources (no node_modules scan, no
 * config file, no environment), in memory, with a logger that keeps its lines.
 */
export async function startWithFixtures(dirs: string[], config: Partial<GoferConfigInput> = {}, options: GoferOptions = {}) {
  const logger = memoryLogger('warn');
  const gofer = await createGofer({
    useEnv: false,
    logger,
    ...options,
    config: { discover: false, dataDir: ':memory:', scheduler: 'fixture-memory', pluginDirs: dirs.map(fixture), ...config },
  });
  return Object.assign(gofer, { logLines: logger.entries });
}

/** Awaits a promise that must reject; returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
