/** Makes the swarm scheduler for the contract suite (here and in its restart child). */
import { engineClient } from '@gofer/docker-common';
import { presentOnEngine, REGISTRY_AUTH } from '../../../test/helpers/docker.js';
import { testContext } from '@gofer/testkit';
import plugin, { resolveSettings, type SwarmScheduler } from '../src/index.js';
import { clusterNodeEngines } from './swarm-helper.js';

/**
 * A swarm scheduler with the loopback registry's credentials in its settings (the contract's
 * requests carry no registryAuth), the test cluster's worker engines (so a task on the worker
 * is stopped and read like one on the manager), a short grace period, quick polling.
 */
export async function createScheduler(dataDir: string): Promise<SwarmScheduler> {
  // create() receives settings the core validated, defaults filled in: the same here.
  const settings = resolveSettings({
    stopGracePeriodMs: 1000,
    pollIntervalMs: 100,
    nodeEngines: clusterNodeEngines(),
    registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } },
  });
  return (await plugin.create(testContext('swarm', dataDir), settings)) as SwarmScheduler;
}

/** Whether the swarm still has the service. */
export function engineHas(_dataDir: string, schedulerId: string): Promise<boolean> {
  return presentOnEngine(engineClient({}).docker.getService(schedulerId).inspect());
}
