/**
 * The Docker engine restarts during a run. The real service (Docker scheduler) runs a task
 * that is still running when dockerd is stopped (SIGTERM to the PID scripts/docker-up.sh
 * recorded) and started again the same way. The affected task ends with a clear reason, the
 * core does not hang (every wait has a deadline), and a new run succeeds once the engine is
 * back. The engine is restored in `finally`, whatever happened.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { restartableEngine, restoreEngine, startEngine, stopEngine } from './docker-engine.js';
import { dockerServiceConfig, figure, removeContainersWithLabel } from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const pipelineId = `rel-engine-${process.pid}`;

interface TaskView {
  taskId: string;
  state: string;
  status: string;
  exitCode?: number;
  statusReason?: { reason: string; description: string };
}

test('dockerd stops and starts mid-run: the affected task ends with a reason, the core answers throughout, new runs work', async () => {
  if (!(await dockerAvailable())) return;
  const engine = restartableEngine();
  if (!engine.ok) {
    if (process.env.GOFER_REQUIRE_DOCKER === '1')
      throw new Error(
        `Cannot run the engine-restart test: ${engine.reason}. Start the engine with: bash scripts/docker-up.sh (GOFER_REQUIRE_DOCKER=1: this test may not skip)`,
      );
    console.warn(`SKIP engine restart: ${engine.reason}`);
    return;
  }
  const configPath = dockerServiceConfig({ removeAfterExit: 'always' }, { stopTimeoutMs: 1000 });
  let svc: RunningService | undefined;
  try {
    svc = await startServiceProcess({ scheduler: 'docker', env: { GOFER_CONFIG: configPath, GOFER_LOG_LEVEL: 'info' } });
    const m = api(svc.url, svc.token);
    const config = {
      id: pipelineId,
      name: 'engine restart',
      tasks: [
        { id: 'long', image: TEST_IMAGE, command: ['sh', '-c', 'echo up; sleep 60; echo never'] },
        { id: 'after', image: TEST_IMAGE, command: ['echo', 'after'], dependsOn: { long: 'any' } },
      ],
    };
    assert.is((await m('POST', '/api/pipelines', { config })).status, 201);
    const quick = { id: `${pipelineId}b`, name: 'while down and after', tasks: [{ id: 'quick', image: TEST_IMAGE, command: ['echo', 'back'] }] };
    assert.is((await m('POST', '/api/pipelines', { config: quick })).status, 201);
    const runOf = async (id: string, runId: number) => {
      const r = await m('GET', `/api/pipelines/${id}/runs/${runId}`);
      return r.json?.state === 'complete' ? (r.json as { status: string }) : undefined;
    };
    const run1 = (await m('POST', `/api/pipelines/${pipelineId}/runs`, {})).json.runId as number;
    const tasksOf = async (runId: number) => (await m('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as TaskView[];
    await waitFor('the long task to run', async () => (await tasksOf(run1)).find((t) => t.taskId === 'long')?.state === 'running', { timeoutMs: 30_000 });

    const stopStart = Date.now();
    await stopEngine(engine);
    // The core answers while the engine is down, and a run started now fails with a reason
    // instead of hanging.
    const duringDown = await m('GET', `/api/pipelines/${pipelineId}/runs/${run1}`);
    assert.is(duringDown.status, 200, 'the API answers while the engine is down');
    const downRun = (await m('POST', `/api/pipelines/${quick.id}/runs`, {})).json.runId as number;
    const downResult = await waitFor('a run started while the engine is down to end', () => runOf(quick.id, downRun), { timeoutMs: 30_000 });
    const downTask = (await m('GET', `/api/pipelines/${quick.id}/runs/${downRun}/tasks/quick`)).json as TaskView;
    assert.is(downResult.status, 'failed');
    assert.ok(downTask.statusReason && downTask.statusReason.description.length > 10, `a clear reason: ${JSON.stringify(downTask.statusReason)}`);
    await startEngine(engine.argv);
    const downMs = Date.now() - stopStart;

    const run = await waitFor(
      'run 1 to complete after the engine restart',
      async () => {
        const r = await m('GET', `/api/pipelines/${pipelineId}/runs/${run1}`);
        return r.json?.state === 'complete' ? (r.json as { status: string; statusReason?: { reason: string } }) : undefined;
      },
      { timeoutMs: 90_000 },
    ).catch(async (err: Error) => {
      // What the run's tasks and the service said, so a failure in CI explains itself.
      const service = svc!;
      throw new Error(`${err.message}\ntasks: ${JSON.stringify(await tasksOf(run1))}\nservice log (last 4 KiB):\n${service.logs().slice(-4096)}`);
    });
    const long = (await tasksOf(run1)).find((t) => t.taskId === 'long')!;
    assert.is(long.state, 'complete');
    assert.ok(long.status !== 'successful', `the interrupted task did not succeed (${long.status})`);
    assert.ok(
      long.statusReason && long.statusReason.reason && long.statusReason.description.length > 10,
      `a clear reason: ${JSON.stringify(long.statusReason)}`,
    );
    assert.is(run.status, 'failed');

    // New runs work once the engine is back.
    const run2 = (await m('POST', `/api/pipelines/${quick.id}/runs`, {})).json.runId as number;
    const after = await waitFor('a new run after the restart to complete', () => runOf(quick.id, run2), { timeoutMs: 60_000 });
    assert.is(after.status, 'successful', 'a new run succeeds once the engine is back');
    assert.is((await m('GET', `/api/pipelines/${quick.id}/runs/${run2}/tasks/quick/logs`)).text, 'back\n');
    figure(
      `docker engine restart: engine down ${(downMs / 1000).toFixed(1)} s; interrupted task ended ${long.status} (${long.statusReason.reason}: ${long.statusReason.description.slice(0, 80)}); run started while down: ${downResult.status} (${downTask.statusReason.reason}: ${downTask.statusReason.description.slice(0, 160)}); new run after restart: ${after.status}`,
    );
  } finally {
    await restoreEngine(engine.argv);
    await svc?.stop();
    removeContainersWithLabel('gofer.pipeline', pipelineId);
    removeContainersWithLabel('gofer.pipeline', `${pipelineId}b`);
  }
});

test.run();
