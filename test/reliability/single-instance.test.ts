/**
 * One Gofer per data directory. Real `gofer service start` processes on one data directory: a
 * second start (another port) is refused with ERR_DATA_DIR_LOCKED naming the holder's pid and
 * port, before it reads or resumes anything; right after the holder is SIGKILLed the next start
 * succeeds (the lock died with the process) and is itself the holder the next refusal names.
 * Embedded: `createGofer` on a directory a service holds, or another instance in this process
 * holds, is refused; after `close()` the directory opens again.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError } from '@gofer/core';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { api, gofer, pipelineConfig, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { figure } from './reliability-helpers.js';

const TRIALS = 4;

/** A second `gofer service start` on `dataDir`, run to its end. */
function secondStart(dataDir: string) {
  return gofer(['service', 'start', '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--scheduler', 'process'], {
    GOFER_CONFIG: '',
    GOFER_LOG_LEVEL: 'info',
    GOFER_SECRET_KEY: randomBytes(32).toString('hex'),
  });
}

function portOf(svc: RunningService): number {
  return Number(new URL(svc.url).port);
}

test('a second service on a data dir is refused every time, also right after a SIGKILL of the first (which then starts)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-single-'));
  let holder = await startServiceProcess({ dataDir, keepDataDir: true });
  const results = { refused: 0, namedHolder: 0, resumedByRefused: 0, startsAfterKill: 0, restartMs: [] as number[] };
  try {
    const m = api(holder.url, holder.token);
    // An unfinished run: the one a second instance would resume and drive twice.
    assert.is((await m('POST', '/api/pipelines', { config: pipelineConfig('single', [{ id: 'slow', command: ['sleep', '20'] }]) })).status, 201);
    assert.is((await m('POST', '/api/pipelines/single/runs', {})).status, 201);
    for (let trial = 0; trial < TRIALS; trial++) {
      const refused = await secondStart(dataDir);
      assert.is(refused.code, 1, `trial ${trial}: the second start exits 1\n${refused.stderr}`);
      if (/ERR_DATA_DIR_LOCKED/.test(refused.stderr)) results.refused++;
      if (refused.stderr.includes(`process ${holder.child.pid}`) && refused.stderr.includes(`:${portOf(holder)}`)) results.namedHolder++;
      if (/resumed unfinished runs|database open|listening/.test(refused.stderr + refused.stdout)) results.resumedByRefused++;
      assert.match(refused.stderr, dataDir);

      // SIGKILL: no clean shutdown, the lock goes with the process.
      holder.child.kill('SIGKILL');
      await new Promise((resolve) => (holder.child.exitCode !== null ? resolve(undefined) : holder.child.once('exit', resolve)));
      const before = Date.now();
      holder = await startServiceProcess({ dataDir, keepDataDir: true, bootstrap: false });
      results.restartMs.push(Date.now() - before);
      results.startsAfterKill++;
    }
  } finally {
    await holder.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  figure(
    `single instance: ${TRIALS} trials: second start refused ${results.refused}/${TRIALS} (ERR_DATA_DIR_LOCKED, holder's pid and port named ${results.namedHolder}/${TRIALS}, ${results.resumedByRefused} refused starts read or resumed anything); start right after SIGKILL of the holder ${results.startsAfterKill}/${TRIALS} (${results.restartMs.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s to listening)`,
  );
  assert.is(results.refused, TRIALS);
  assert.is(results.namedHolder, TRIALS);
  assert.is(results.resumedByRefused, 0);
  assert.is(results.startsAfterKill, TRIALS);
});

test('createGofer on a data dir in use (by a service, or by an instance in this process) is refused; after close() it opens', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-single-embedded-'));
  const refusals: string[] = [];
  const svc = await startServiceProcess({ dataDir, keepDataDir: true });
  try {
    const err = await goferWithFake({ config: { dataDir } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isGoferError(err, 'ERR_DATA_DIR_LOCKED'), `refused while a service holds it: ${String(err)}`);
    assert.match((err as Error).message, `process ${svc.child.pid}`);
    refusals.push('service');
  } finally {
    await svc.stop();
  }
  const first = await goferWithFake({ config: { dataDir } });
  try {
    const err = await goferWithFake({ config: { dataDir } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isGoferError(err, 'ERR_DATA_DIR_LOCKED'), `refused while an instance of this process holds it: ${String(err)}`);
    assert.match((err as Error).message, `process ${process.pid}`);
    refusals.push('same process');
    // The refused start changed nothing: the first instance still works.
    await first.gofer.pipelines.register(pipelineConfig('embedded', [{ id: 'only', command: ['true'] }]));
  } finally {
    await first.gofer.close();
  }
  const again = await goferWithFake({ config: { dataDir } });
  assert.is((await again.gofer.pipelines.get('embedded')).pipelineId, 'embedded');
  await again.gofer.close();
  rmSync(dataDir, { recursive: true, force: true });
  figure(`single instance (embedded): createGofer refused on a dir in use (${refusals.join(', ')}); opens again after close()`);
});

test.run();
