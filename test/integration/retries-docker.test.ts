/**
 * Issue 15, items 2-4 on the real Docker engine: a retried task that fails twice then succeeds
 * (three containers, three logs, told apart by GOFER_TASK_ATTEMPT), the cancel of one sleeping
 * task (graceful stop, then forced) with its `any` dependent still running, and a run timeout.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger, type Gofer } from '@gofer/core';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait-for.js';

const work = mkdtempSync(join(tmpdir(), 'gofer-retries-docker-'));
const tag = `retries-${process.pid}`;

function containersOf(pipelineId: string): Array<{ id: string; attempt: string; state: string }> {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=gofer.pipeline=${pipelineId}`, '--format', '{{.ID}} {{.Label "gofer.attempt"}} {{.State}}'],
    { encoding: 'utf8' },
  ).trim();
  return out
    ? out.split('\n').map((line) => {
        const [id, attempt, state] = line.split(' ');
        return { id: id!, attempt: attempt || '1', state: state! };
      })
    : [];
}

function removeContainersOf(pipelineId: string): void {
  const ids = containersOf(pipelineId).map((c) => c.id);
  if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

async function start(dataDir: string, stopTimeoutMs = 10_000): Promise<Gofer> {
  return createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    config: {
      scheduler: 'docker',
      dataDir,
      stopTimeoutMs,
      removeAfterExit: 'never',
      reapOrphans: false,
      root: process.cwd(),
      schedulers: { docker: { networkMode: 'none' } },
    },
  });
}

async function logOf(gofer: Gofer, p: string, r: number, t: string, attempt?: number): Promise<string> {
  let text = '';
  for await (const chunk of gofer.tasks.logs(p, r, t, attempt === undefined ? {} : { attempt })) text += Buffer.from(chunk).toString();
  return text;
}

test('a task that fails twice then succeeds: three containers, three logs, exit codes 1, 1, 0', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start(join(work, 'retry'));
  const pipelineId = `${tag}-flaky`;
  try {
    await gofer.pipelines.register({
      id: pipelineId,
      name: 'flaky',
      tasks: [
        {
          id: 'flaky',
          image: TEST_IMAGE,
          command: ['sh', '-c', 'echo "attempt $GOFER_TASK_ATTEMPT"; [ "$GOFER_TASK_ATTEMPT" -ge 3 ]'],
          retries: { limit: 3, backoffMs: 100, factor: 2 },
        },
      ],
    });
    const run = await gofer.runs.wait(pipelineId, (await gofer.runs.start(pipelineId)).runId);
    assert.is(run.status, 'successful');
    const attempts = await gofer.tasks.attempts(pipelineId, run.runId, 'flaky');
    assert.equal(
      attempts.map((a) => [a.attempt, a.status, a.exitCode]),
      [
        [1, 'failed', 1],
        [2, 'failed', 1],
        [3, 'successful', 0],
      ],
    );
    for (const n of [1, 2, 3]) assert.is(await logOf(gofer, pipelineId, run.runId, 'flaky', n), `attempt ${n}\n`);
    const containers = containersOf(pipelineId);
    assert.is(containers.length, 3, 'three containers (removeAfterExit never keeps them)');
    assert.equal(containers.map((c) => c.attempt).sort(), ['1', '2', '3']);
    assert.equal(new Set(attempts.map((a) => a.schedulerId)).size, 3);
  } finally {
    await gofer.close();
    removeContainersOf(pipelineId);
  }
});

test('cancelling one sleeping task stops its container (forced after the stop timeout); its `any` dependent still runs', async () => {
  if (!(await dockerAvailable())) return;
  // sleep as PID 1 ignores SIGTERM: only the kill after the stop timeout ends it.
  const gofer = await start(join(work, 'cancel'), 1500);
  const pipelineId = `${tag}-cancel`;
  try {
    await gofer.pipelines.register({
      id: pipelineId,
      name: 'cancel',
      tasks: [
        { id: 'sleeper', image: TEST_IMAGE, command: ['sleep', '300'] },
        { id: 'after', image: TEST_IMAGE, command: ['echo', 'after'], dependsOn: { sleeper: 'any' } },
        { id: 'needs_ok', image: TEST_IMAGE, command: ['echo', 'never'], dependsOn: { sleeper: 'success' } },
      ],
    });
    const started = await gofer.runs.start(pipelineId);
    await waitFor('the sleeper to run', async () => (await gofer.tasks.get(pipelineId, started.runId, 'sleeper')).state === 'running', { timeoutMs: 60_000 });
    const t0 = Date.now();
    await gofer.tasks.cancel(pipelineId, started.runId, 'sleeper');
    const run = await gofer.runs.wait(pipelineId, started.runId);
    const tasks = Object.fromEntries((await gofer.tasks.list(pipelineId, run.runId)).map((t) => [t.taskId, t]));
    assert.is(tasks.sleeper!.status, 'cancelled');
    assert.is(tasks.after!.status, 'successful');
    assert.is(await logOf(gofer, pipelineId, run.runId, 'after'), 'after\n');
    assert.is(tasks.needs_ok!.status, 'skipped');
    assert.is(run.status, 'failed');
    assert.ok(Date.now() - t0 < 60_000, 'the stop did not wait for the sleep');
    const sleeper = containersOf(pipelineId).filter((c) => c.state !== 'exited');
    assert.equal(sleeper, [], 'no container still runs');
  } finally {
    await gofer.close();
    removeContainersOf(pipelineId);
  }
});

test('a run over its timeoutMs is cancelled with reason timeout', async () => {
  if (!(await dockerAvailable())) return;
  const gofer = await start(join(work, 'timeout'), 1000);
  const pipelineId = `${tag}-timeout`;
  try {
    await gofer.pipelines.register({
      id: pipelineId,
      name: 'timeout',
      timeoutMs: 120_000,
      tasks: [{ id: 'sleeper', image: TEST_IMAGE, command: ['sleep', '300'] }],
    });
    const t0 = Date.now();
    const started = await gofer.runs.start(pipelineId, { timeoutMs: 3000 });
    const run = await gofer.runs.wait(pipelineId, started.runId);
    assert.is(run.status, 'cancelled');
    assert.is(run.statusReason!.reason, 'timeout');
    assert.ok(Date.now() - t0 >= 3000, 'not before the timeout');
    assert.ok(Date.now() - t0 < 60_000, 'soon after it');
    assert.is((await gofer.tasks.get(pipelineId, run.runId, 'sleeper')).status, 'cancelled');
  } finally {
    await gofer.close();
    removeContainersOf(pipelineId);
  }
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
