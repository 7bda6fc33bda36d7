import { test } from 'uvu';
import { fileURLToPath } from 'node:url';
import { runSchedulerContract } from './scheduler-contract.js';

// The fake runs no processes: tasks are scripted (see fake-factory.ts), signals cannot be
// trapped, and "restart" is a new instance over the same in-memory engine.
runSchedulerContract('fake', {
  test,
  factoryModule: fileURLToPath(new URL('./fake-factory.ts', import.meta.url)),
  image: 'fake:latest',
  labels: { 'gofer.test': 'contract-fake' },
  capabilities: { exactEnv: true, signals: false, restart: 'same-process', largeOutputBytes: 8 * 1024 * 1024 },
});

test.run();
