/**
 * Crash of the service while runs retry (issue 15, item 2): the REAL service (`gofer service
 * start`, Docker scheduler) runs two runs of a pipeline whose `flaky` task fails its first two
 * attempts (it reads $GOFER_TASK_ATTEMPT) and whose `gives_up` task fails both of its attempts;
 * a `then` task needs `flaky` to succeed. At a random moment (seeded), in an attempt or in a
 * backoff, the service is SIGKILLed and started again on the same data directory. After the
 * restart every run completes with exactly the attempts its retries imply: flaky 3 (failed,
 * failed, successful), gives_up 2 (failed, failed), each attempt's log exactly its own output,
 * at most one container per attempt (removeAfterExit never keeps them), none still running,
 * none that no attempt references. At the end the run list holds exactly the runs started.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import {
  containerExit,
  containersWithLabel,
  delay,
  dockerServiceConfig,
  figure,
  prng,
  removeContainersWithLabel,
  testSeed,
  killService,
} from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const TRIALS = Number(process.env.GOFER_RETRY_CRASH_TRIALS ?? 8);
const pipelineId = `rel-retry-${process.pid}`;
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const random = prng(seed);

const TASKS = [
  {
    id: 'flaky',
    command: ['sh', '-c', 'echo "attempt $GOFER_TASK_ATTEMPT start"; sleep 0.5; echo "attempt $GOFER_TASK_ATTEMPT end"; [ "$GOFER_TASK_ATTEMPT" -ge 3 ]'],
    retries: { limit: 3, backoffMs: 800, factor: 1.5 },
  },
  { id: 'gives_up', command: ['sh', '-c', 'echo "try $GOFER_TASK_ATTEMPT"; sleep 0.3; exit 4'], retries: { limit: 1, backoffMs: 1200 } },
  { id: 'then', command: ['echo', 'then'], dependsOn: { flaky: 'success' } },
];

/** The attempts each task must end with: [status, exit code, log] per attempt. */
const EXPECTED: Record<string, { status: string; attempts: Array<[string, number, string]> }> = {
  flaky: {
    status: 'successful',
    attempts: [1, 2, 3].map((n) => [n < 3 ? 'failed' : 'successful', n < 3 ? 1 : 0, `attempt ${n} start\nattempt ${n} end\n`]),
  },
  gives_up: { status: 'failed', attempts: [1, 2].map((n) => ['failed', 4, `try ${n}\n`]) },
  then: { status: 'successful', attempts: [['successful', 0, 'then\n']] },
};

interface Attempt {
  attempt: number;
  status: string;
  exitCode?: number;
  schedulerId?: string;
}

test(`${TRIALS} SIGKILLs of the service while runs retry: every run completes with exactly the attempts its retries imply`, async () => {
  if (!(await dockerAvailable())) return;
  const env = { GOFER_CONFIG: dockerServiceConfig({ removeAfterExit: 'never' }), GOFER_LOG_LEVEL: 'warn' };
  let svc: RunningService = await startServiceProcess({ scheduler: 'docker', env, keepDataDir: true });
  const { dataDir, token } = svc;
  const problems: string[] = [];
  const started: number[] = [];
  let killedInBackoff = 0;
  let killedInAttempt = 0;
  let orphans = 0;
  let duplicatedAttempts = 0;
  let checkedAttempts = 0;
  let reaped = 0;
  let completedTrials = 0;
  try {
    const m = () => api(svc.url, token);
    const reg = await m()('POST', '/api/pipelines', {
      config: { id: pipelineId, name: 'retry crash trials', tasks: TASKS.map((t) => ({ image: TEST_IMAGE, ...t })) },
    });
    assert.is(reg.status, 201, reg.text);

    for (let trial = 1; trial <= TRIALS; trial++) {
      const runs: number[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await m()('POST', `/api/pipelines/${pipelineId}/runs`);
        assert.is(res.status, 201, res.text);
        runs.push(res.json.runId as number);
      }
      started.push(...runs);
      // Somewhere in the first attempts, a backoff, or a later attempt.
      await delay(500 + Math.floor(random() * 4000));
      const states = (
        await Promise.all(
          runs.map(async (runId) => (await m()('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as Array<{ state: string }>),
        )
      ).flat();
      if (states.some((t) => t.state === 'retrying')) killedInBackoff++;
      if (states.some((t) => t.state === 'running' || t.state === 'waiting')) killedInAttempt++;
      await killService(svc);
      svc = await startServiceProcess({ scheduler: 'docker', env, dataDir, keepDataDir: true, bootstrap: false });
      const c = m();
      for (const runId of runs) {
        const run = await waitFor(
          `trial ${trial}: run ${runId} to complete after the restart`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 90_000 },
        );
        if (run.status !== 'failed')
          problems.push(`trial ${trial} run ${runId}: status ${run.status}, expected failed (gives_up) (${JSON.stringify(run.statusReason)})`);
        const containers = containersWithLabel('gofer.run', String(runId)).filter((x) => x.labels['gofer.pipeline'] === pipelineId);
        const referenced = new Set<string>();
        for (const [taskId, want] of Object.entries(EXPECTED)) {
          const where = `trial ${trial} run ${runId} task ${taskId}`;
          const task = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${taskId}`)).json as { status: string; attempt: number };
          if (task.status !== want.status) problems.push(`${where}: status ${task.status}, expected ${want.status}`);
          if (task.attempt !== want.attempts.length) problems.push(`${where}: ${task.attempt} attempts, expected ${want.attempts.length}`);
          const attempts = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${taskId}/attempts`)).json.items as Attempt[];
          // Every attempt's container is referenced (an extra attempt is reported above, not as an orphan).
          for (const a of attempts) if (a.schedulerId) referenced.add(a.schedulerId);
          if (attempts.length !== want.attempts.length) {
            problems.push(`${where}: the attempts API lists ${attempts.length}, expected ${want.attempts.length}: ${JSON.stringify(attempts)}`);
            {
              // What happened to the task, for the report.
              const events = (await c('GET', `/api/events?limit=1000`)).json.items as Array<{
                type: string;
                at: number;
                payload: { runId?: number; taskId?: string };
              }>;
              console.log(`${where} events: ${JSON.stringify(events.filter((e) => e.payload.runId === runId && e.payload.taskId === taskId))}`);
            }
          }
          for (const [i, [status, exitCode, log]] of want.attempts.entries()) {
            const n = i + 1;
            const a = attempts.find((x) => x.attempt === n);
            if (!a) continue;
            checkedAttempts++;
            if (a.status !== status || a.exitCode !== exitCode)
              problems.push(`${where} attempt ${n}: ${a.status}/${a.exitCode}, expected ${status}/${exitCode}`);
            const text = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${taskId}/logs?attempt=${n}`)).text;
            if (text !== log) problems.push(`${where} attempt ${n}: log ${JSON.stringify(text)}, expected ${JSON.stringify(log)}`);
            if (a.schedulerId) referenced.add(a.schedulerId);
            const mine = containers.filter((x) => x.labels['gofer.task'] === taskId && (x.labels['gofer.attempt'] ?? '1') === String(n));
            if (mine.length > 1) {
              duplicatedAttempts++;
              problems.push(`${where} attempt ${n}: ${mine.length} containers, expected 1`);
            }
            if (mine.length === 0) reaped++;
            for (const ctr of mine) {
              const state = containerExit(ctr.id);
              if (!state) {
                reaped++;
                continue;
              }
              if (state.running) {
                orphans++;
                problems.push(`${where} attempt ${n}: container still running`);
              }
              if (state.exitCode !== exitCode) problems.push(`${where} attempt ${n}: container exited ${state.exitCode}, expected ${exitCode}`);
            }
          }
        }
        for (const ctr of containers) {
          if (!referenced.has(ctr.name) && !referenced.has(ctr.id)) {
            orphans++;
            problems.push(
              `trial ${trial} run ${runId}: container ${ctr.name} (task ${ctr.labels['gofer.task']}, attempt ${ctr.labels['gofer.attempt'] ?? '1'}) belongs to no attempt`,
            );
          }
        }
      }
      removeContainersWithLabel('gofer.pipeline', pipelineId);
      completedTrials++;
    }

    const listed = (await m()('GET', `/api/pipelines/${pipelineId}/runs?limit=1000`)).json.items as Array<{ runId: number }>;
    const ids = listed.map((r) => r.runId).sort((x, y) => x - y);
    const lost = started.filter((s) => !ids.includes(s)).length;
    const duplicated = ids.length - new Set(ids).size + Math.max(0, ids.length - started.length) + duplicatedAttempts;
    figure(
      `retries under SIGKILL: ${completedTrials}/${TRIALS} trials (${started.length} runs, each 3 + 2 + 1 attempts on Docker; killed with a task in its backoff ${killedInBackoff}x, with one in an attempt ${killedInAttempt}x; seed ${seed}), ${checkedAttempts} attempts checked (exit code, log; ${reaped} containers reaped at a restart), ${lost} lost, ${duplicated} duplicated, ${orphans} orphans, ${problems.length} mismatches`,
    );
    assert.equal(problems, [], `seed ${seed}:\n${problems.join('\n')}`);
    assert.is(lost, 0, 'no run lost');
    assert.is(duplicated, 0, 'no run or attempt duplicated');
    assert.is(orphans, 0, 'no orphaned container');
  } finally {
    await svc.stop();
    rmSync(dirname(env.GOFER_CONFIG), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
});

test.run();
