/**
 * The Docker scheduler's outputs and workspaces on a real engine, beyond the contract suite:
 * `$GOFER_OUTPUT` by the user the image runs as (root: `/gofer-output`; another: `/gofer/output`,
 * mode 1777), the workspace volume with its labels and mount, the engine calls a start costs (none
 * for a root image's outputs), a kept container holding a workspace, and a replaced leftover.
 */
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Docker from 'dockerode';
import { tempDir, testContext } from '@gofer/testkit';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { DockerScheduler } from '../src/index.js';
import { makeScheduler, readLogs, removeTestContainers, request, RUN_TAG, waitForEnd } from './docker-test-kit.js';

const available = await dockerAvailable();
const docker = new Docker();
const volumeOf = (id: string) => `gofer-workspace-${id}`;
/** `present`, or the engine's status code for the workspace's volume (404: gone). */
const volumeState = (id: string) =>
  docker
    .getVolume(volumeOf(id))
    .inspect()
    .then(
      () => 'present',
      (err: { statusCode?: number }) => err.statusCode,
    );
const decode = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));

if (available) {
  const workspaces: string[] = [];
  test.after(async () => {
    await removeTestContainers();
    for (const id of workspaces)
      await docker
        .getVolume(volumeOf(id))
        .remove()
        .catch(() => undefined);
  });

  test('GOFER_OUTPUT is /gofer-output for a root image (no /tmp needed); a task variable of that name does not win', async () => {
    const scheduler = makeScheduler();
    const script = 'echo "$GOFER_OUTPUT"; echo A=1 > "$GOFER_OUTPUT"';
    const { schedulerId } = await scheduler.startContainer(request('gofer-root', ['sh', '-c', script], { variables: { GOFER_OUTPUT: '/tmp/elsewhere' } }));
    assert.is((await readLogs(scheduler, schedulerId)).stdout, '/gofer-output\n');
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
    assert.is(decode(await scheduler.readOutputs({ schedulerId, maxBytes: 100 })), 'A=1\n');
    // A new instance (after a restart) finds the file from the container's environment.
    assert.is(decode(await makeScheduler().readOutputs({ schedulerId, maxBytes: 100 })), 'A=1\n');
    await scheduler.removeContainer({ schedulerId });
  });

  test('an image that runs as another user writes /gofer/output, in a directory of mode 1777 put in before start', async () => {
    const image = `gofer-test/busybox-nonroot:${RUN_TAG}`;
    execFileSync('sh', ['-c', `printf 'FROM gofer-test/busybox:latest\nUSER 65534:65534\n' | docker build -q -t ${image} - >/dev/null 2>&1`]);
    try {
      const scheduler = makeScheduler();
      const script = 'printf "%s %s %s\\n" "$GOFER_OUTPUT" "$(id -u)" "$(stat -c %a /gofer)"; echo B=2 > "$GOFER_OUTPUT"';
      const { schedulerId } = await scheduler.startContainer(request('gofer-nonroot', ['sh', '-c', script], { image }));
      assert.is((await readLogs(scheduler, schedulerId)).stdout, '/gofer/output 65534 1777\n');
      assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
      assert.is(decode(await scheduler.readOutputs({ schedulerId, maxBytes: 100 })), 'B=2\n');
      assert.is(decode(await makeScheduler().readOutputs({ schedulerId, maxBytes: 100 })), 'B=2\n', 'a new instance reads it too');
      await scheduler.removeContainer({ schedulerId });
    } finally {
      execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
    }
  });

  test('a start costs no putArchive; a workspace one createVolume per instance (labelled, mounted at /workspace, GOFER_WORKSPACE=/workspace)', async () => {
    const scheduler = makeScheduler();
    const calls = { putArchive: 0, createVolume: 0 };
    const createVolume = scheduler.docker.createVolume.bind(scheduler.docker);
    scheduler.docker.createVolume = ((options: Docker.VolumeCreateOptions) => {
      calls.createVolume++;
      return createVolume(options);
    }) as typeof scheduler.docker.createVolume;
    const getContainer = scheduler.docker.getContainer.bind(scheduler.docker);
    scheduler.docker.getContainer = (id: string) => {
      const container = getContainer(id);
      const putArchive = container.putArchive.bind(container);
      container.putArchive = ((file: Buffer, options: object) => {
        calls.putArchive++;
        return putArchive(file, options);
      }) as typeof container.putArchive;
      return container;
    };
    const id = `${RUN_TAG}-ws1`;
    workspaces.push(id);
    const started = await Promise.all(
      ['a', 'b', 'c'].map((t) =>
        scheduler.startContainer(request(`ws-${t}`, ['sh', '-c', 'echo "$GOFER_WORKSPACE"; touch /workspace/$HOSTNAME'], { workspace: { id } })),
      ),
    );
    for (const { schedulerId } of started) assert.is((await readLogs(scheduler, schedulerId)).stdout, '/workspace\n');
    const plain = await scheduler.startContainer(request('ws-none', ['true']));
    assert.equal(calls, { putArchive: 0, createVolume: 1 });
    const volume = await docker.getVolume(volumeOf(id)).inspect();
    assert.equal(volume.Labels, { 'gofer.managed': 'true', 'gofer.scheduler': 'docker', 'gofer.workspace': id });
    const mounts = (await docker.getContainer(started[0]!.schedulerId).inspect()).Mounts;
    assert.equal(
      mounts.map((m) => [m.Type, m.Name, m.Destination]),
      [['volume', volumeOf(id), '/workspace']],
    );
    assert.equal((await docker.getContainer(plain.schedulerId).inspect()).Mounts, [], 'a task without a workspace mounts nothing');
    for (const { schedulerId } of [...started, plain]) await scheduler.removeContainer({ schedulerId });
    await scheduler.removeWorkspace({ id });
    assert.is(await volumeState(id), 404);
  });

  test('removeWorkspace while a kept container uses the volume: a warning, resolved, the volume stays until the container goes', async () => {
    const ctx = testContext('docker', tempDir('gofer-docker-kept'));
    const scheduler = new DockerScheduler(ctx, { networkMode: 'none' });
    const id = `${RUN_TAG}-kept`;
    workspaces.push(id);
    const { schedulerId } = await scheduler.startContainer(request('ws-kept', ['sh', '-c', 'echo kept > /workspace/file'], { workspace: { id } }));
    await waitForEnd(scheduler, schedulerId);
    await scheduler.removeWorkspace({ id });
    const warnings = ctx.logger.entries.filter((e) => e.level === 'warn');
    assert.equal(
      warnings.map((e) => e.fields),
      [{ workspace: id, volume: volumeOf(id) }],
    );
    await docker.getVolume(volumeOf(id)).inspect();
    await scheduler.removeContainer({ schedulerId });
    await scheduler.removeWorkspace({ id });
    assert.is(await volumeState(id), 404);
  });

  test('a 20 MB output file read with a small maxBytes: the first maxBytes + 1 bytes, and the engine connection is fine after', async () => {
    const scheduler = makeScheduler();
    const { schedulerId } = await scheduler.startContainer(request('big-output', ['sh', '-c', 'head -c 20000000 /dev/zero | tr "\\0" a > "$GOFER_OUTPUT"']));
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
    for (let i = 0; i < 3; i++) assert.is(decode(await scheduler.readOutputs({ schedulerId, maxBytes: 5 })), 'aaaaaa');
    assert.is((await scheduler.readOutputs({ schedulerId, maxBytes: 20_000_000 }))?.byteLength, 20_000_000);
    await scheduler.removeContainer({ schedulerId });
  });

  test('an output that is a directory or a symlink is no output, with a warning', async () => {
    const ctx = testContext('docker', tempDir('gofer-docker-notfile'));
    const scheduler = new DockerScheduler(ctx, { networkMode: 'none' });
    for (const [id, script] of [
      ['output-dir', 'mkdir "$GOFER_OUTPUT"; echo A=1 > "$GOFER_OUTPUT/x"'],
      ['output-link', 'echo A=1 > /etc/target; ln -s /etc/target "$GOFER_OUTPUT"'],
    ] as const) {
      const { schedulerId } = await scheduler.startContainer(request(id, ['sh', '-c', script]));
      assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 }, id);
      assert.is(await scheduler.readOutputs({ schedulerId, maxBytes: 100 }), undefined, id);
      await scheduler.removeContainer({ schedulerId });
    }
    assert.is(ctx.logger.entries.filter((e) => e.level === 'warn' && e.message.includes('/gofer-output')).length, 2);
  });

  test('a leftover of the same id is replaced: the new container has its own output file', async () => {
    const scheduler = makeScheduler();
    const first = await scheduler.startContainer(request('retry', ['sh', '-c', 'echo TRY=1 > "$GOFER_OUTPUT"']));
    await waitForEnd(scheduler, first.schedulerId);
    const again = await scheduler.startContainer(request('retry', ['sh', '-c', 'cat "$GOFER_OUTPUT" 2>/dev/null; echo TRY=2 > "$GOFER_OUTPUT"']));
    assert.is(again.schedulerId, first.schedulerId);
    assert.is((await readLogs(scheduler, again.schedulerId)).stdout, '', 'the old file went with the old container');
    await waitForEnd(scheduler, again.schedulerId);
    assert.is(decode(await scheduler.readOutputs({ schedulerId: again.schedulerId, maxBytes: 100 })), 'TRY=2\n');
    await scheduler.removeContainer(again);
  });
}

test.run();
