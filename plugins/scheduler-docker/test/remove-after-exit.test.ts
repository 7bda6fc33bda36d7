import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { makeScheduler, readLogs, removeTestContainers, request, waitForEnd } from './docker-test-kit.js';

const available = await dockerAvailable();
const docker = new Docker();

async function gone(name: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const present = await docker.getContainer(name).inspect().then(() => true, () => false);
    if (!present) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

if (available) {
  test.after(() => removeTestContainers());

  test('removeAfterExit always: removed once state and logs were seen; the state stays answerable', async () => {
    const scheduler = makeScheduler({ removeAfterExit: 'always' });
    const { schedulerId } = await scheduler.startContainer(request('rm-always', ['sh', '-c', 'echo bye; exit 4']));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 'bye\n');
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 4 });
    assert.ok(await gone(schedulerId));
    assert.equal(await scheduler.getState({ schedulerId }), { state: 'exited', exitCode: 4 });
  });

  test('removeAfterExit on-success keeps a failed container', async () => {
    const scheduler = makeScheduler({ removeAfterExit: 'on-success' });
    const { schedulerId } = await scheduler.startContainer(request('rm-fail', ['sh', '-c', 'exit 1']));
    await readLogs(scheduler, schedulerId);
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 1 });
    assert.equal((await docker.getContainer(schedulerId).inspect()).State.ExitCode, 1);
  });
}

test.run();
