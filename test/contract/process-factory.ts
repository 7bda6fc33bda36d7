/** Makes the process scheduler for the contract suite (here and in its restart child). */
import { ProcessScheduler } from '@gofer/scheduler-process';
import { testContext } from './plugin-context.js';

/** A process scheduler keeping its executions under `dataDir`. */
export function createScheduler(dataDir: string): ProcessScheduler {
  return new ProcessScheduler(testContext('process', dataDir));
}
