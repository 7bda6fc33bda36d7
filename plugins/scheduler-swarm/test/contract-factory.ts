/** Makes the swarm scheduler for the contract suite (here and in its restart child). */
import { REGISTRY_AUTH } from '../../../test/helpers/docker.js';
import { testContext } from '../../../test/contract/plugin-context.js';
import plugin, { type SwarmScheduler } from '../src/index.js';

/**
 * A swarm scheduler with the loopback registry's credentials in its settings (the contract's
 * requests carry no registryAuth), a short grace period and quick polling.
 */
export async function createScheduler(dataDir: string): Promise<SwarmScheduler> {
  const settings = {
    stopGracePeriodMs: 1000,
    pollIntervalMs: 100,
    registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } },
  };
  return (await plugin.create(testContext('swarm', dataDir), settings)) as SwarmScheduler;
}
