/**
 * The scheduler contract suite against the swarm scheduler, on a single-node swarm this file
 * joins (initialising it when the engine is not in one) and leaves again.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { dockerAvailable, REGISTRY_IMAGE, TEST_LABEL } from '../../../test/helpers/docker.js';
import { runSchedulerContract } from '../../../test/contract/scheduler-contract.js';
import { joinTestSwarm, leaveTestSwarm, removeLabelled } from './swarm-helper.js';

const label = `contract-swarm-${process.pid}`;

if (await dockerAvailable()) {
  // Registered before the suite's own hooks: the swarm exists before its scheduler is made.
  let joined = false;
  test.before(async () => {
    await joinTestSwarm();
    joined = true;
  });
  runSchedulerContract('swarm', {
    test,
    factoryModule: fileURLToPath(new URL('./contract-factory.ts', import.meta.url)),
    image: REGISTRY_IMAGE,
    labels: { [TEST_LABEL]: label },
    // Swarm's engine adds HOSTNAME, PATH and HOME. On one node, logs come from the task's
    // container (setting logsVia: auto); swarm-scheduler.test.ts covers the service-logs path.
    // The large output is `seq`: short lines, which the engine reads at ~110,000 lines/s.
    capabilities: { exactEnv: false, signals: true, restart: 'child-process', largeOutputBytes: 4 * 1024 * 1024 },
  });
  test.after(async () => {
    if (!joined) return;
    await removeLabelled(label);
    await leaveTestSwarm();
  });
}

test.run();
