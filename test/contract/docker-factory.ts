/** Makes the Docker scheduler for the contract suite (here and in its restart child). */
import { DockerScheduler } from '@gofer/scheduler-docker';
import { testContext } from './plugin-context.js';

/** A Docker scheduler (no network, finished containers kept until the test removes them). */
export function createScheduler(dataDir: string): DockerScheduler {
  return new DockerScheduler(testContext('docker', dataDir), { networkMode: 'none', removeAfterExit: 'never' });
}
