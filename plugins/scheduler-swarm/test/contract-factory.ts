/** Makes the swarm scheduler for the contract suite (here and in its restart child). */
import { REGISTRY_AUTH } from '../../../test/helpers/docker.js';
import { testContext } from '../../../test/contract/plugin-context.js';
import plugin, { type SwarmScheduler } from '../src/index.js';

/**
 * A swarm scheduler with the loopback registry's credentials in its settings (the contract's
 * requests carry no registryAuth), finished services kept, a short grace period, quick polling.
 */
export async function createScheduler(dataDir: string): Promise<SwarmScheduler> {
  const settings = {
    removeAfterExit: 'never' as const, // the suite reads logs again after the final state
    stopGracePeriodMs: 1000,
    pollIntervalMs: 100,
    registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } },
  };
  return (await plugin.create(testContext('swarm', dataDir), settings)) as SwarmScheduler;
}
