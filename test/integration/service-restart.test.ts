/**
 * Graceful shutdown of the REAL service: SIGTERM while a run is going exits 0; the run keeps
 * its state, and the next start on the same data directory resumes it to completion. Tokens
 * survive the restart (they are in the database).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, pipelineConfig, startServiceProcess, waitForFileSh } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-svc-restart-'));

test.after(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

test('SIGTERM keeps the run; the next start resumes it', async () => {
  const go = join(dataDir, 'go');
  const first = await startServiceProcess({ dataDir, keepDataDir: true });
  const m1 = api(first.url, first.token);
  const config = pipelineConfig('restart-me', [
    { id: 'waiter', command: ['sh', '-c', `echo before; ${waitForFileSh(go)}; echo after`] },
    { id: 'next', command: ['sh', '-c', 'echo next ran'], dependsOn: { waiter: 'success' } },
  ]);
  assert.is((await m1('POST', '/api/pipelines', { config })).status, 201);
  const run = (await m1('POST', '/api/pipelines/restart-me/runs', {})).json as { runId: number };
  await waitFor('the waiter to run', async () => (await m1('GET', `/api/pipelines/restart-me/runs/${run.runId}/tasks/waiter`)).json?.state === 'running');
  assert.is(await first.stop(), 0, `graceful exit\n${first.logs()}`);
  assert.ok(existsSync(join(dataDir, 'gofer.db')));

  const second = await startServiceProcess({ dataDir, keepDataDir: true, bootstrap: false });
  try {
    await resumeChecks();
  } catch (err) {
    // The services' own logs make a failure here diagnosable.
    throw new Error(`${(err as Error).message}\n--- first service ---\n${first.logs()}\n--- second service ---\n${second.logs()}`);
  } finally {
    await second.stop();
  }

  async function resumeChecks(): Promise<void> {
    const m2 = api(second.url, first.token);
    assert.is((await m2('GET', '/api/pipelines/restart-me')).status, 200, 'the token survived the restart');
    assert.is((await api(second.url)('POST', '/api/tokens/bootstrap')).status, 409, 'no second bootstrap');
    assert.not.equal((await m2('GET', `/api/pipelines/restart-me/runs/${run.runId}`)).json.state, 'complete');
    writeFileSync(go, '');
    const done = await waitFor('the resumed run to complete', async () => {
      const r = (await m2('GET', `/api/pipelines/restart-me/runs/${run.runId}`)).json;
      return r.state === 'complete' && r;
    });
    assert.is(done.status, 'successful', JSON.stringify(done));
    const next = (await m2('GET', `/api/pipelines/restart-me/runs/${run.runId}/tasks/next/logs`)).text;
    assert.is(next, 'next ran\n');
  }
});

test.run();
