/** Pipelines API: register (versions), deploy, list/get, enable/disable, delete (removes runs, logs, objects). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, isGoferError } from '@gofer/core';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const IMG = 'gofer-test/busybox:latest';

test('each registration is a new version; the first is deployed at once; runs use the live version', async () => {
  const scheduler = new FakeScheduler();
  const { gofer } = await goferWithFake({ scheduler });
  try {
    const v1 = await gofer.pipelines.register(new Pipeline('versions', 'First').tasks(new Task('aaa', 'image:v1')).build());
    assert.is(v1.version, 1);
    assert.is(v1.deployed, true);
    const v2 = await gofer.pipelines.register(new Pipeline('versions', 'Second').tasks(new Task('aaa', 'image:v2')).build());
    assert.is(v2.version, 2);
    assert.is(v2.deployed, false);
    let info = await gofer.pipelines.get('versions');
    assert.is(info.liveVersion, 1);
    assert.is(info.latestVersion, 2);
    assert.is(info.name, 'First');
    await gofer.runs.wait('versions', (await gofer.runs.start('versions')).runId);
    assert.is(scheduler.starts[0]!.image, 'image:v1');
    info = await gofer.pipelines.deploy('versions', 2);
    assert.is(info.liveVersion, 2);
    assert.is(info.name, 'Second');
    const run = await gofer.runs.start('versions');
    assert.is(run.version, 2);
    await gofer.runs.wait('versions', run.runId);
    assert.is(scheduler.starts[1]!.image, 'image:v2');
    assert.equal(
      (await gofer.pipelines.versions('versions')).map((v) => [v.version, v.deployed]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.is((await gofer.pipelines.getVersion('versions', 1)).config.name, 'First');
    assert.equal(
      (await gofer.pipelines.list()).map((p) => p.pipelineId),
      ['versions'],
    );
    const types = (await gofer.events.list({ types: ['pipeline.registered', 'pipeline.deployed'] })).map((e) => e.type);
    assert.equal(types, ['pipeline.registered', 'pipeline.deployed', 'pipeline.registered', 'pipeline.deployed']);
  } finally {
    await gofer.close();
  }
});

test('unknown pipelines and versions are ERR_NOT_FOUND; invalid configs ERR_PIPELINE_INVALID', async () => {
  const { gofer } = await goferWithFake();
  try {
    for (const call of [() => gofer.pipelines.get('nope'), () => gofer.runs.start('nope'), () => gofer.pipelines.deploy('nope', 1)]) {
      try {
        await call();
        assert.unreachable();
      } catch (err) {
        assert.ok(isGoferError(err, 'ERR_NOT_FOUND'), String(err));
      }
    }
    await gofer.pipelines.register(new Pipeline('exists', 'x').tasks(new Task('aaa', IMG)).build());
    try {
      await gofer.pipelines.deploy('exists', 7);
      assert.unreachable();
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_NOT_FOUND'));
    }
    try {
      await gofer.pipelines.register({ id: 'x', name: 'x', tasks: [] });
      assert.unreachable();
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_PIPELINE_INVALID'));
    }
  } finally {
    await gofer.close();
  }
});

test('delete removes the pipeline, its runs, logs, objects and secrets', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-pipelines-test-'));
  const { gofer } = await goferWithFake({
    scheduler: new FakeScheduler({ output: ['out\n'] }),
    config: { dataDir, secretKey: 'a3f1c2e4b5d6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  });
  try {
    await gofer.pipelines.register(new Pipeline('doomed', 'x').tasks(new Task('aaa', IMG)).build());
    await gofer.runs.wait('doomed', (await gofer.runs.start('doomed')).runId);
    await gofer.objects.put({ pipelineId: 'doomed' }, 'obj', new Uint8Array([1]));
    await gofer.secrets.put({ pipelineId: 'doomed' }, 'sec', 'v');
    assert.ok(existsSync(join(dataDir, 'logs', 'doomed', '1', 'aaa.log')));
    await gofer.pipelines.delete('doomed');
    assert.not.ok(existsSync(join(dataDir, 'logs', 'doomed')));
    assert.equal(await gofer.pipelines.list(), []);
    for (const call of [
      () => gofer.runs.get('doomed', 1),
      () => gofer.objects.get({ pipelineId: 'doomed' }, 'obj'),
      () => gofer.secrets.list({ pipelineId: 'doomed' }),
    ]) {
      try {
        await call();
        assert.unreachable();
      } catch (err) {
        assert.ok(isGoferError(err, 'ERR_NOT_FOUND'), String(err));
      }
    }
    // Registering again starts from version 1 and run 1.
    await gofer.pipelines.register(new Pipeline('doomed', 'x').tasks(new Task('aaa', IMG)).build());
    assert.is((await gofer.runs.start('doomed')).runId, 1);
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
