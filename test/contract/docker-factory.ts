/** Makes the Docker scheduler for the contract suite (here and in its restart child). */
import Docker from 'dockerode';
import { DockerScheduler } from '@gofer/scheduler-docker';
import { presentOnEngine } from '../helpers/docker.js';
import { testContext } from '@gofer/testkit';

/** A Docker scheduler (no network). */
export function createScheduler(dataDir: string): DockerScheduler {
  return new DockerScheduler(testContext('docker', dataDir), { networkMode: 'none' });
}

/** Whether the engine still has the container. */
export function engineHas(_dataDir: string, schedulerId: string): Promise<boolean> {
  return presentOnEngine(new Docker().getContainer(schedulerId).inspect());
}
