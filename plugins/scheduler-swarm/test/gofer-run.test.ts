/**
 * End to end: a Gofer core configured with `"scheduler": "swarm"` (discovered from node_modules,
 * settings validated by the core) runs a two-task pipeline on the single-node test swarm, with a
 * Docker secret delivered as an env var, and a task that fails with its exit code.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger } from '@gofer/core';
import { dockerAvailable, REGISTRY_AUTH, REGISTRY_IMAGE } from '../../../test/helpers/docker.js';
import { engineClient } from '@gofer/docker-common';
import { joinTestSwarm, leaveTestSwarm, removeLabelled } from './swarm-helper.js';

const RUN = `e2e${process.pid}${Date.now().toString(36)}`;
const SECRET = `gofer-test-${RUN}`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ready = await dockerAvailable();
let joined = false;

test.before(async () => {
  if (!ready) return;
  await joinTestSwarm();
  joined = true;
  await engineClient({}).docker.createSecret({ Name: SECRET, Labels: { 'gofer.test': RUN }, Data: Buffer.from('from-docker-secret').toString('base64') });
});

test.after(async () => {
  if (!joined) return;
  const { docker } = engineClient({});
  // The core labels services with gofer.pipeline: remove this test's by that label.
  const services = await docker.listServices({ filters: { label: [`gofer.pipeline=${RUN}`] } });
  await Promise.all(
    services.map((s) =>
      docker
        .getService(s.ID)
        .remove()
        .catch(() => undefined),
    ),
  );
  await removeLabelled(RUN);
  await leaveTestSwarm();
});

test('a pipeline runs on the swarm through the core: variables, a Docker secret, an exit code', async () => {
  if (!ready) return;
  const gofer = await createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    config: {
      root: ROOT,
      dataDir: ':memory:',
      scheduler: 'swarm',
      schedulers: { swarm: { pollIntervalMs: 100, registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } } } },
    },
  });
  try {
    assert.is(gofer.plugins.list().find((p) => p.kind === 'scheduler' && p.name === 'swarm')?.status, 'active');
    await gofer.pipelines.register({
      id: RUN,
      name: 'swarm end to end',
      tasks: [
        {
          id: 'first',
          image: REGISTRY_IMAGE,
          variables: { GREETING: 'hello swarm' },
          secrets: { TOKEN: SECRET },
          command: ['sh', '-c', 'echo "$GREETING $TOKEN $GOFER_TASK_ID"'],
        },
        { id: 'second', image: REGISTRY_IMAGE, dependsOn: { first: 'success' }, command: ['sh', '-c', 'echo failing >&2; exit 4'] },
      ],
    });
    const run = await gofer.runs.start(RUN);
    const done = await gofer.runs.wait(RUN, run.runId);
    assert.is(done.status, 'failed');
    const first = await gofer.tasks.get(RUN, run.runId, 'first');
    const second = await gofer.tasks.get(RUN, run.runId, 'second');
    assert.is(first.status, 'successful');
    assert.is(second.status, 'failed');
    assert.is(second.exitCode, 4);
    let output = '';
    for await (const chunk of gofer.tasks.logs(RUN, run.runId, 'first')) output += Buffer.from(chunk).toString();
    assert.match(output, 'hello swarm from-docker-secret first');
    assert.equal(
      first.variables.find((v) => v.key === 'TOKEN'),
      { key: 'TOKEN', value: '********', source: 'scheduler_secret', location: SECRET },
      'the task lists the key the swarm secret arrives under, never its value',
    );
    // removeAfterExit (default always): the core removed the services once it had logs and state.
    const left = await engineClient({}).docker.listServices({ filters: { label: [`gofer.pipeline=${RUN}`, 'gofer.task=first'] } });
    assert.equal(left, []);
  } finally {
    await gofer.close();
  }
});

test.run();
