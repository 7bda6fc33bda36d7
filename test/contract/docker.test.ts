import { test } from 'uvu';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { dockerAvailable, TEST_IMAGE, TEST_LABEL } from '../helpers/docker.js';
import { runSchedulerContract } from '@gofer/testkit';

const label = `contract-docker-${process.pid}`;

if (await dockerAvailable()) {
  runSchedulerContract('docker', {
    test,
    factoryModule: fileURLToPath(new URL('./docker-factory.ts', import.meta.url)),
    image: TEST_IMAGE,
    labels: { [TEST_LABEL]: label },
    capabilities: { exactEnv: false, signals: true, restart: 'child-process', largeOutputBytes: 30 * 1024 * 1024 },
  });
  test.after(async () => {
    const docker = new Docker();
    const left = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${label}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  });
}

test.run();
