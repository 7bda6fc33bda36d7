/** Secret store (AES-256-GCM at rest, key rules) and object store (cap with eviction, run expiry). */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, isGoferError } from '@gofer/core';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const KEY = 'a3f1c2e4b5d6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90';

test('secrets are encrypted at rest: the database files never contain the plaintext', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-secrets-test-'));
  try {
    let { gofer, container } = await goferWithFake({ config: { dataDir, secretKey: KEY } });
    await gofer.pipelines.register(new Pipeline('sec', 'x').tasks(new Task('aaa', 'img')).build());
    const plaintext = 'correct-horse-battery-staple-0123456789';
    await gofer.secrets.put({ pipelineId: 'sec' }, 'db_pass', plaintext);
    await gofer.secrets.put({}, 'global_one', plaintext);
    assert.equal(await gofer.secrets.list({ pipelineId: 'sec' }), ['db_pass']);
    assert.equal(await gofer.secrets.list({}), ['global_one']);
    await gofer.close();
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith('gofer.db'))) {
      assert.not.ok(readFileSync(join(dataDir, file)).includes(plaintext), `${file} holds the plaintext`);
    }
    ({ gofer, container } = await goferWithFake({ config: { dataDir, secretKey: KEY } }));
    const { SECRET_STORE } = await import('../../core/src/stores/secret-store.js');
    assert.is(container.resolve(SECRET_STORE).get('sec', 'db_pass'), plaintext, 'decrypts after a restart');
    await gofer.close();
    // Another key cannot decrypt.
    ({ gofer, container } = await goferWithFake({ config: { dataDir, secretKey: 'b'.repeat(2) + KEY.slice(2) } }));
    assert.throws(() => container.resolve(SECRET_STORE).get('sec', 'db_pass'), /cannot be decrypted/);
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a weak or malformed key is refused at start-up with ERR_SECRET_KEY_INVALID and how to make one', async () => {
  for (const secretKey of ['0'.repeat(64), 'abc', '0123456789abcdef'.repeat(4), 'not hex at all but long enough to be something ok']) {
    try {
      const { gofer } = await goferWithFake({ config: { secretKey } });
      await gofer.close();
      assert.unreachable(`accepted ${secretKey}`);
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_SECRET_KEY_INVALID'), `${secretKey}: ${String(err)}`);
      assert.match((err as Error).message, /openssl rand -hex 32/);
    }
  }
  // base64 of 32 random bytes is accepted.
  const { gofer } = await goferWithFake({ config: { secretKey: Buffer.from(KEY, 'hex').toString('base64') } });
  await gofer.secrets.put({}, 'ok', 'v');
  await gofer.close();
});

test('without a key Gofer starts, and using secrets is refused with a clear message', async () => {
  const { gofer } = await goferWithFake();
  try {
    try {
      await gofer.secrets.put({}, 'key', 'value');
      assert.unreachable();
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_SECRET_KEY_INVALID'));
      assert.match((err as Error).message, /No secret key is configured.*openssl rand -hex 32/s);
    }
  } finally {
    await gofer.close();
  }
});

test('pipeline objects are capped: the oldest is evicted with an object.evicted event', async () => {
  const { gofer } = await goferWithFake({ config: { pipelineObjectLimit: 2 } });
  try {
    await gofer.pipelines.register(new Pipeline('objs', 'x').tasks(new Task('aaa', 'img')).build());
    const enc = new TextEncoder();
    await gofer.objects.put({ pipelineId: 'objs' }, 'one', enc.encode('1'));
    await gofer.objects.put({ pipelineId: 'objs' }, 'two', enc.encode('2'));
    await gofer.objects.put({ pipelineId: 'objs' }, 'one', enc.encode('1b'));
    await gofer.objects.put({ pipelineId: 'objs' }, 'three', enc.encode('3'));
    assert.equal(await gofer.objects.list({ pipelineId: 'objs' }), ['one', 'three']);
    assert.equal(
      (await gofer.events.list({ types: ['object.evicted'] })).map((e) => e.payload),
      [{ pipelineId: 'objs', key: 'two' }],
    );
    assert.is(new TextDecoder().decode(await gofer.objects.get({ pipelineId: 'objs' }, 'one')), '1b');
    await gofer.objects.delete({ pipelineId: 'objs' }, 'one');
    try {
      await gofer.objects.get({ pipelineId: 'objs' }, 'one');
      assert.unreachable();
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_NOT_FOUND'));
    }
    try {
      await gofer.objects.put({ pipelineId: 'objs' }, 'bad key!', enc.encode('x'));
      assert.unreachable();
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_INVALID_ARGUMENT'));
    }
  } finally {
    await gofer.close();
  }
});

test('run objects expire after runObjectExpiry newer runs', async () => {
  const { gofer } = await goferWithFake({ config: { runObjectExpiry: 2 } });
  try {
    await gofer.pipelines.register(new Pipeline('run-objs', 'x').tasks(new Task('aaa', 'img')).build());
    const enc = new TextEncoder();
    for (let i = 1; i <= 4; i++) {
      const run = await gofer.runs.start('run-objs');
      await gofer.objects.put({ pipelineId: 'run-objs', runId: run.runId }, 'artifact', enc.encode(String(i)));
      await gofer.runs.wait('run-objs', run.runId);
    }
    await gofer.runs.wait('run-objs', (await gofer.runs.start('run-objs')).runId);
    const kept = [];
    for (let runId = 1; runId <= 4; runId++) if ((await gofer.objects.list({ pipelineId: 'run-objs', runId })).length > 0) kept.push(runId);
    assert.equal(kept, [4], 'runs 1-3 expired once run 5 was created (expiry 2)');
  } finally {
    await gofer.close();
  }
});

test.run();
