import { test } from 'uvu';
import { fakeSchedulerFactory, runSchedulerContract } from '@gofer/testkit';

// The fake runs no processes: tasks are scripted (fakeSchedulerFactory), signals cannot be
// trapped, and "restart" is a new instance over the same in-memory engine.
runSchedulerContract('fake', {
  test,
  factory: fakeSchedulerFactory(),
  image: 'fake:latest',
  labels: { 'gofer.test': 'contract-fake' },
  capabilities: { exactEnv: true, signals: false, restart: 'same-process', largeOutputBytes: 8 * 1024 * 1024 },
});

test.run();
