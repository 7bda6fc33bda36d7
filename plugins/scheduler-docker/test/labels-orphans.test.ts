import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { dockerAvailable, TEST_IMAGE, TEST_LABEL } from '../../../test/helpers/docker.js';
import { containerNameFor } from '../src/index.js';
import { makeScheduler, readLogs, removeTestContainers, request, RUN_TAG, waitForEnd } from './docker-test-kit.js';

const available = await dockerAvailable();
const docker = new Docker();

test('container names are deterministic, valid and distinct', () => {
  assert.is(containerNameFor('pipe_12_task'), 'gofer_pipe_12_task');
  assert.is(containerNameFor('pipe_12_task'), containerNameFor('pipe_12_task'));
  const odd = containerNameFor('pipe 12/täsk');
  assert.match(odd, /^gofer_pipe-12-t-sk-[0-9a-f]{10}$/);
  assert.is.not(containerNameFor('a/b'), containerNameFor('a:b'));
});

if (available) {
  test.after(() => removeTestContainers());

  test('the container carries the core labels, the managed labels, the env, entrypoint and command', async () => {
    const scheduler = makeScheduler();
    const req = request('labels', ['-c', 'echo "$GREETING"'], {
      entrypoint: ['sh'],
      variables: { GREETING: 'hi' },
      labels: { 'gofer.pipeline': 'p', 'gofer.run': '7', 'gofer.task': 't' },
    });
    const { schedulerId } = await scheduler.startContainer(req);
    assert.is(schedulerId, containerNameFor(req.id));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 'hi\n');
    const info = await docker.getContainer(schedulerId).inspect();
    assert.is(info.Name, `/${schedulerId}`);
    assert.equal(info.Config.Entrypoint, ['sh']);
    assert.equal(info.Config.Cmd, ['-c', 'echo "$GREETING"']);
    assert.is(info.HostConfig.NetworkMode, 'none');
    const labels = info.Config.Labels;
    assert.is(labels['gofer.pipeline'], 'p');
    assert.is(labels['gofer.run'], '7');
    assert.is(labels['gofer.task'], 't');
    assert.is(labels['gofer.managed'], 'true');
    assert.is(labels['gofer.scheduler'], 'docker');
    assert.is(labels[TEST_LABEL], RUN_TAG);
  });

  test('a stale container with the same name is removed first', async () => {
    const scheduler = makeScheduler();
    const req = request('stale', ['echo', 'fresh']);
    const name = containerNameFor(req.id);
    const stale = await docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '60'],
      Labels: { [TEST_LABEL]: RUN_TAG },
      HostConfig: { NetworkMode: 'none' },
    });
    await stale.start();
    const { schedulerId } = await scheduler.startContainer(req);
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 'fresh\n');
    const info = await docker.getContainer(name).inspect();
    assert.is.not(info.Id, stale.id);
  });

  test('orphans: listContainers finds labelled containers, removeContainer removes a running one with its record', async () => {
    const scheduler = makeScheduler();
    const labels = { 'gofer.pipeline': `orphans-${RUN_TAG}` };
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await scheduler.startContainer(request(`orphan-${n}`, ['sleep', '60'], { labels }))).schedulerId);
    const listed = await scheduler.listContainers({ labels });
    assert.equal(listed.map((c) => c.schedulerId).sort(), [...ids].sort());
    assert.is(listed[0]!.labels['gofer.pipeline'], labels['gofer.pipeline']);
    // The core's orphan reaper does exactly this for containers no live run owns.
    for (const id of [ids[1]!, ids[2]!]) await scheduler.removeContainer({ schedulerId: id });
    assert.equal(
      (await scheduler.listContainers({ labels })).map((c) => c.schedulerId),
      [ids[0]],
    );
    const gone = await scheduler.getState({ schedulerId: ids[1]! }).catch((err: { code?: string }) => err.code);
    assert.is(gone, 'ERR_NO_SUCH_CONTAINER'); // removed together with its record
    await scheduler.stopContainer({ schedulerId: ids[0]!, timeoutMs: 100 });
    assert.is((await waitForEnd(scheduler, ids[0]!)).state, 'cancelled');
    await scheduler.removeContainer({ schedulerId: ids[0]! });
    assert.equal(await scheduler.listContainers({ labels }), []);
  });
}

test.run();
