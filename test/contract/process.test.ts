import { test } from 'uvu';
import { fileURLToPath } from 'node:url';
import { runSchedulerContract } from '@gofer/testkit';

runSchedulerContract('process', {
  test,
  factoryModule: fileURLToPath(new URL('./process-factory.ts', import.meta.url)),
  image: 'recorded-but-unused:latest',
  labels: { 'gofer.test': 'contract-process' },
  capabilities: { exactEnv: true, signals: true, restart: 'child-process', largeOutputBytes: 30 * 1024 * 1024 },
});

test.run();
