// The scheduler contract suite of @gofer/testkit against local-js: the checks the process,
// Docker and Swarm schedulers pass. Run it with `npm test` (node test/contract.test.js).
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import { runSchedulerContract } from '@gofer/testkit';

runSchedulerContract('local-js', {
  test,
  factoryModule: fileURLToPath(new URL('./factory.js', import.meta.url)),
  image: 'none', // a local scheduler runs commands on this machine: the image is ignored
  labels: { 'gofer.example': 'local-js-contract' },
  capabilities: {
    exactEnv: true, // the task gets exactly its variables: nothing of this machine's environment
    signals: true, // tasks are real processes: TERM can be trapped, KILL follows the timeout
    restart: 'child-process', // a task started by another process is re-attached from its folder
    largeOutputBytes: 8 * 1024 * 1024,
  },
});

test.run();
