/** Makes the swarm scheduler for the contract suite (here and in its restart child). */
import { engineClient } from '@gofer/docker-common';
import type { StartContainerRequest } from '@gofer/core/api';
import { presentOnEngine, REGISTRY_AUTH } from '../../../test/helpers/docker.js';
import { testContext } from '@gofer/testkit';
import plugin, { resolveSettings, type SwarmScheduler } from '../src/index.js';
import { clusterNodeEngines } from './swarm-helper.js';

/** The label the factory puts on each task to choose its node through a placement rule. */
const NODE_LABEL = 'gofer.test.node-role';
const ROLES = ['manager', 'worker'] as const;
/** The role of each workspace's first task, shared by the instances of this process. */
const workspaceRoles = new Map<string, (typeof ROLES)[number]>();

/**
 * A swarm scheduler with the loopback registry's credentials in its settings (the contract's
 * requests carry no registryAuth), the test cluster's worker engines (so a task on the worker
 * is stopped and read like one on the manager), a short grace period, quick polling.
 *
 * Its tasks go to the manager and the worker in turn. The suite starts its tasks one after the
 * other, and a swarm places a task on the node with the fewest active tasks: with both at zero
 * the choice is the swarm's, and on a busy machine it once put 15 of 15 on the manager. The
 * contract must hold on either node, so each node gets half of it, chosen by the scheduler's own
 * placement rules (the spread of tasks started together is swarm-cluster.test.ts's).
 *
 * The tasks of one workspace all get the role of its first task, in every instance made here
 * (the contract's "new instance" step): a workspace is a volume on one node, so the scheduler
 * pins them to that node, and a rule sending one to the other node would contradict the pin
 * (the scheduler refuses such a task, ERR_INVALID_ARGUMENT).
 */
export async function createScheduler(dataDir: string): Promise<SwarmScheduler> {
  // create() receives settings the core validated, defaults filled in: the same here.
  const settings = resolveSettings({
    stopGracePeriodMs: 1000,
    pollIntervalMs: 100,
    nodeEngines: clusterNodeEngines(),
    registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } },
    placement: ROLES.map((role) => ({ labels: { [NODE_LABEL]: role }, constraints: [`node.role==${role}`] })),
  });
  const scheduler = (await plugin.create(testContext('swarm', dataDir), settings)) as SwarmScheduler;
  const start = scheduler.startContainer.bind(scheduler);
  let next = 0;
  scheduler.startContainer = (req: StartContainerRequest) => {
    const ws = req.workspace?.id;
    const role = (ws !== undefined ? workspaceRoles.get(ws) : undefined) ?? ROLES[next++ % ROLES.length]!;
    if (ws !== undefined) workspaceRoles.set(ws, role);
    return start({ ...req, labels: { ...req.labels, [NODE_LABEL]: role } });
  };
  return scheduler;
}

/** Whether the swarm still has the service. */
export function engineHas(_dataDir: string, schedulerId: string): Promise<boolean> {
  return presentOnEngine(engineClient({}).docker.getService(schedulerId).inspect());
}
