/** Makes the process scheduler for the contract suite (here and in its restart child). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ProcessScheduler } from '@gofer/scheduler-process';
import { testContext } from '@gofer/testkit';

/** A process scheduler keeping its executions under `dataDir`. */
export function createScheduler(dataDir: string): ProcessScheduler {
  return new ProcessScheduler(testContext('process', dataDir));
}

/** Whether the execution's folder (its files: meta, output, exit code) is still on disk. */
export async function engineHas(dataDir: string, schedulerId: string): Promise<boolean> {
  return existsSync(join(dataDir, 'executions', schedulerId));
}
