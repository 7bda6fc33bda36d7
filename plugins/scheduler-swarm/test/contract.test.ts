/**
 * The scheduler contract suite against the swarm scheduler, on the two-node test cluster this
 * file joins (bringing it up when the engine is not in a swarm) and leaves again. The factory
 * sends the tasks to the manager and the worker in turn (contract-factory.ts says why); the
 * engines' own start events count how many ran on each node, and both must have run some.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { dockerAvailable, REGISTRY_IMAGE, TEST_LABEL } from '../../../test/helpers/docker.js';
import { runSchedulerContract } from '@gofer/testkit';
import * as assert from 'uvu/assert';
import { countStartsPerNode, figure, joinTestSwarm, leaveTestSwarm, nodeStates, removeLabelled } from './swarm-helper.js';

const label = `contract-swarm-${process.pid}`;

if (await dockerAvailable()) {
  // Registered before the suite's own hooks: the swarm exists before its scheduler is made.
  let joined = false;
  let starts: Awaited<ReturnType<typeof countStartsPerNode>> | undefined;
  test.before(async () => {
    await joinTestSwarm();
    joined = true;
    starts = await countStartsPerNode(`${TEST_LABEL}=${label}`);
  });
  runSchedulerContract('swarm', {
    test,
    factoryModule: fileURLToPath(new URL('./contract-factory.ts', import.meta.url)),
    image: REGISTRY_IMAGE,
    labels: { [TEST_LABEL]: label },
    // Swarm's engine adds HOSTNAME, PATH and HOME. Logs come from the task's container, on
    // either node (logsVia: auto, nodeEngines); swarm-scheduler.test.ts covers service logs.
    // The large output is `seq`: short lines, which the engine reads at ~110,000 lines/s.
    capabilities: { exactEnv: false, signals: true, restart: 'child-process', largeOutputBytes: 4 * 1024 * 1024 },
  });
  test('swarm: the contract tasks ran on both nodes', async () => {
    const perNode = starts?.stop() ?? {};
    const nodes = await nodeStates();
    figure(
      `swarm contract tasks per node: ${Object.entries(perNode)
        .map(([node, n]) => `${node}=${n}`)
        .join(', ')}`,
    );
    assert.ok(Object.keys(perNode).length >= 2, `two nodes: ${JSON.stringify(perNode)}`);
    for (const [node, n] of Object.entries(perNode)) assert.ok(n > 0, `no task ran on ${node}: ${JSON.stringify(perNode)}; nodes now: ${nodes}`);
  });
  test.after(async () => {
    starts?.stop();
    if (!joined) return;
    await removeLabelled(label);
    await leaveTestSwarm();
  });
}

test.run();
