/**
 * Pulls from the loopback registry (127.0.0.1:5000, user gofer). The test pushes its own
 * uniquely tagged copy of the busybox image there, so removing the local copy before the pull
 * cannot disturb anyone else's tests; the tag is deleted from the registry afterwards.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { isGoferError } from '@gofer/core/api';
import { dockerAvailable, REGISTRY_AUTH, TEST_IMAGE } from '../../../test/helpers/docker.js';
import { makeScheduler, readLogs, removeTestContainers, request, RUN_TAG, waitForEnd } from './docker-test-kit.js';

const available = await dockerAvailable();
const REGISTRY = '127.0.0.1:5000';
const REPO = 'gofer-test/sched-docker-pull';
const IMAGE = `${REGISTRY}/${REPO}:${RUN_TAG}`;
const docker = new Docker();
const authconfig = { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass, serveraddress: REGISTRY };

async function follow(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
      (e: { error?: string }) => {
        failure ??= e.error;
      },
    );
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isGoferError(err) ? err.code : `foreign: ${String(err)}`;
  }
  return 'resolved';
}

async function deleteFromRegistry(): Promise<void> {
  const headers = { authorization: `Basic ${Buffer.from(`${REGISTRY_AUTH.user}:${REGISTRY_AUTH.pass}`).toString('base64')}` };
  const head = await fetch(`http://${REGISTRY}/v2/${REPO}/manifests/${RUN_TAG}`, {
    method: 'HEAD',
    headers: { ...headers, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  const digest = head.headers.get('docker-content-digest');
  if (digest) await fetch(`http://${REGISTRY}/v2/${REPO}/manifests/${digest}`, { method: 'DELETE', headers });
}

if (available) {
  test.before(async () => {
    await docker.getImage(TEST_IMAGE).tag({ repo: `${REGISTRY}/${REPO}`, tag: RUN_TAG });
    await follow(await docker.getImage(IMAGE).push({ authconfig }));
    await docker.getImage(IMAGE).remove();
  });

  test.after(async () => {
    await removeTestContainers();
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => {});
    await deleteFromRegistry().catch(() => {});
  });

  test('with the right credentials the image is pulled and runs', async () => {
    const scheduler = makeScheduler();
    const { schedulerId } = await scheduler.startContainer(request('pull-ok', ['echo', 'pulled'], { image: IMAGE, registryAuth: REGISTRY_AUTH }));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, 'pulled\n');
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
    await docker.getImage(IMAGE).inspect(); // now local
  });

  test('with wrong credentials the pull fails with ERR_REGISTRY_AUTH', async () => {
    const scheduler = makeScheduler();
    const code = await codeOf(
      scheduler.startContainer(
        request('pull-bad', ['true'], {
          image: IMAGE,
          alwaysPull: true,
          registryAuth: { user: 'gofer', pass: 'wrong-password' },
        }),
      ),
    );
    assert.is(code, 'ERR_REGISTRY_AUTH');
  });

  test('without credentials on a registry that needs them: ERR_REGISTRY_AUTH', async () => {
    const scheduler = makeScheduler({ pullPolicy: 'always' });
    assert.is(await codeOf(scheduler.startContainer(request('pull-none', ['true'], { image: IMAGE }))), 'ERR_REGISTRY_AUTH');
  });

  test('an image the registry does not have fails with ERR_NO_SUCH_IMAGE (the registry 404 ends it)', async () => {
    const scheduler = makeScheduler();
    const code = await codeOf(
      scheduler.startContainer(
        request('pull-missing', ['true'], {
          image: `${REGISTRY}/gofer-test/does-not-exist:1`,
          registryAuth: REGISTRY_AUTH,
        }),
      ),
    );
    assert.is(code, 'ERR_NO_SUCH_IMAGE');
  });
}

test.run();
