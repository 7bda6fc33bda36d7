/**
 * Orphan reaping on the real engine: containers this instance started that no unfinished task owns are
 * removed on demand and at start-up; a running task's container and another instance's are kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger } from '@gofer/core';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait-for.js';

const work = mkdtempSync(join(tmpdir(), 'gofer-reaper-'));
const tag = `reaper-${process.pid}`;

function containersOf(pipelineId: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=gofer.pipeline=${pipelineId}`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n') : [];
}

async function start(dataDir: string, reapOrphans = true) {
  return createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    config: { scheduler: 'docker', dataDir, reapOrphans, removeAfterExit: 'never', root: process.cwd(), schedulers: { docker: { networkMode: 'none' } } },
  });
}

async function finishedRun(gofer: Awaited<ReturnType<typeof start>>, pipelineId: string, command: string[]) {
  await gofer.pipelines.register({ id: pipelineId, name: 'reaper', tasks: [{ id: 'only', image: TEST_IMAGE, command }] });
  const run = await gofer.runs.start(pipelineId);
  return gofer.runs.wait(pipelineId, run.runId);
}

test("on demand: containers of finished tasks are removed (also in a live run); a running task's and another instance's are kept", async () => {
  if (!(await dockerAvailable())) return;
  const mine = await start(join(work, 'a'), false);
  const other = await start(join(work, 'b'), false);
  try {
    assert.is((await finishedRun(mine, `${tag}-done`, ['true'])).status, 'successful');
    assert.is((await finishedRun(other, `${tag}-other`, ['true'])).status, 'successful');
    assert.is(containersOf(`${tag}-done`).length, 1, 'removeAfterExit never keeps the container');

    // A live run: one task finished (its container kept by removeAfterExit never), one running.
    await mine.pipelines.register({
      id: `${tag}-live`,
      name: 'live',
      tasks: [
        { id: 'quick', image: TEST_IMAGE, command: ['true'] },
        { id: 'slow', image: TEST_IMAGE, command: ['sleep', '60'] },
      ],
    });
    const live = await mine.runs.start(`${tag}-live`);
    await waitFor('the slow task to run', async () => (await mine.tasks.get(`${tag}-live`, live.runId, 'slow')).state === 'running', { timeoutMs: 30_000 });
    await waitFor('the quick task to finish', async () => (await mine.tasks.get(`${tag}-live`, live.runId, 'quick')).state === 'complete', {
      timeoutMs: 30_000,
    });

    const result = await mine.reapOrphans();
    assert.ok(result.supported);
    assert.equal(result.removed.map((c) => `${c.labels['gofer.pipeline']}/${c.labels['gofer.task']}`).sort(), [`${tag}-done/only`, `${tag}-live/quick`]);
    assert.is(result.kept, 1);
    assert.is(containersOf(`${tag}-done`).length, 0, 'the orphan is gone from the engine');
    assert.is(containersOf(`${tag}-live`).length, 1, 'the running task keeps its container');
    assert.is(containersOf(`${tag}-other`).length, 1, "another instance's container is never touched");
    await mine.runs.cancel(`${tag}-live`, live.runId);
  } finally {
    await mine.close();
    await other.close();
  }
});

test('at start-up: containers of runs that finished before the restart are reaped', async () => {
  if (!(await dockerAvailable())) return;
  const dataDir = join(work, 'c');
  const first = await start(dataDir, false);
  await finishedRun(first, `${tag}-restart`, ['true']);
  await first.close();
  assert.is(containersOf(`${tag}-restart`).length, 1);
  const second = await start(dataDir, true);
  try {
    await waitFor('the start-up reap to remove the orphan', () => containersOf(`${tag}-restart`).length === 0, { timeoutMs: 30_000 });
  } finally {
    await second.close();
  }
});

test.after(() => {
  // One listing with each container's pipeline label: other test files' containers come and go
  // meanwhile, so an inspect per listed id could meet one already removed (it failed on CI).
  const rows = execFileSync('docker', ['ps', '-a', '--filter', 'label=gofer.pipeline', '--format', '{{.ID}} {{.Label "gofer.pipeline"}}'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  for (const row of rows) {
    const [id, pipeline = ''] = row.split(' ');
    if (id && pipeline.startsWith(tag)) execFileSync('docker', ['rm', '-f', id]);
  }
  rmSync(work, { recursive: true, force: true });
});
test.run();
