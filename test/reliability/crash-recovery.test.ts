/**
 * Crash of the service, 20 trials. The REAL service (`gofer service start`, Docker scheduler)
 * runs two runs of a 7-task DAG (parallel and dependent tasks, one printing 3,000 lines); at a
 * random moment (seeded) it is SIGKILLed and started again on the same data directory. The
 * restarted service is the next trial's service, so 20 trials cost about 21 starts. After each
 * restart, for every run of the trial: it completes with the status its containers' exit codes
 * imply, and every task's log is exactly its known sequence (complete, nothing twice). In the
 * first half containers are kept (`removeAfterExit: never`): each started task has exactly one
 * container, its exit code matches the record, none is still running, none is unreferenced. In
 * the second half (the default `always`) Gofer must remove every container of the trial. One
 * trial in four kills the restarted service again while it recovers, and one in four cancels a
 * third run just before the kill (it must end cancelled, no container left running). At the
 * end the run list holds exactly the runs started (none lost, none duplicated).
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

const TRIALS = Number(process.env.GOFER_CRASH_TRIALS ?? 20);
type RemovePolicy = 'never' | 'always';
const pipelineId = `rel-crash-${process.pid}`;
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const random = prng(seed);

/** Each task prints a known sequence; `b` exits with $B_EXIT so one run of each pair fails. */
const TASKS = [
  { id: 'task_a', command: ['sh', '-c', 'echo a1; sleep 0.4; echo a2; sleep 0.4; echo a3'] },
  { id: 'task_b', command: ['sh', '-c', 'echo b1; sleep 0.6; echo b2; exit $B_EXIT'] },
  { id: 'task_c', command: ['echo', 'c1'] },
  { id: 'task_d', command: ['sh', '-c', 'echo d $GOFER_RUN_ID'], dependsOn: { task_a: 'success' } },
  { id: 'task_e', command: ['echo', 'e1'], dependsOn: { task_b: 'failure' } },
  { id: 'task_f', command: ['sh', '-c', 'echo f1; sleep 0.2; echo f2'], dependsOn: { task_b: 'success', task_c: 'success' } },
  // Steady output across the kill: 3,000 numbered lines in 30 bursts.
  { id: 'task_g', command: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do seq $((i*100+1)) $((i*100+100)); i=$((i+1)); sleep 0.05; done'] },
];
const SEQ_3000 = `${Array.from({ length: 3000 }, (_, i) => i + 1).join('\n')}\n`;

function expected(runId: number, bExit: number): Record<string, { status: string; exitCode?: number; log?: string }> {
  const ok = (log: string) => ({ status: 'successful', exitCode: 0, log });
  return {
    task_a: ok('a1\na2\na3\n'),
    task_b: bExit === 0 ? ok('b1\nb2\n') : { status: 'failed', exitCode: bExit, log: 'b1\nb2\n' },
    task_c: ok('c1\n'),
    task_d: ok(`d ${runId}\n`),
    task_e: bExit === 0 ? { status: 'skipped' } : ok('e1\n'),
    task_f: bExit === 0 ? ok('f1\nf2\n') : { status: 'skipped' },
    task_g: ok(SEQ_3000),
  };
}

test('20 SIGKILLs of the service mid-run: every run completes as its containers did, logs complete, nothing lost, duplicated or orphaned', async () => {
  if (!(await dockerAvailable())) return;
  // First half: containers are kept (removeAfterExit "never"), so each task's one container and
  // its exit code can be checked. Second half: the default "always": Gofer must remove them all.
  const envFor = (policy: RemovePolicy) => ({ GOFER_CONFIG: dockerServiceConfig({ removeAfterExit: policy }), GOFER_LOG_LEVEL: 'warn' });
  const envs = { never: envFor('never'), always: envFor('always') };
  const policyOf = (trial: number): RemovePolicy => (trial <= TRIALS / 2 ? 'never' : 'always');
  let policy = policyOf(1);
  let svc: RunningService = await startServiceProcess({ scheduler: 'docker', env: envs[policy], keepDataDir: true });
  const { dataDir, token } = svc;
  const problems: string[] = [];
  const started: Array<{ runId: number; bExit: number }> = [];
  let completedTrials = 0;
  let orphans = 0;
  let doubleKills = 0;
  let cancels = 0;
  let checkedContainers = 0;
  let reaped = 0;
  try {
    const m = () => api(svc.url, token);
    const reg = await m()('POST', '/api/pipelines', {
      config: { id: pipelineId, name: 'crash trials', tasks: TASKS.map((t) => ({ image: TEST_IMAGE, ...t })) },
    });
    assert.is(reg.status, 201, reg.text);

    for (let trial = 1; trial <= TRIALS; trial++) {
      if (policyOf(trial) !== policy) {
        // A clean restart (SIGTERM) onto the other policy.
        policy = policyOf(trial);
        await svc.stop();
        svc = await startServiceProcess({ scheduler: 'docker', env: envs[policy], dataDir, keepDataDir: true, bootstrap: false });
      }
      // Two runs of the DAG (one fails through b), then SIGKILL at a random moment of them.
      const runs: Array<{ runId: number; bExit: number }> = [];
      for (const bExit of [0, 3]) {
        const res = await m()('POST', `/api/pipelines/${pipelineId}/runs`, { variables: { B_EXIT: String(bExit) } });
        assert.is(res.status, 201, res.text);
        runs.push({ runId: res.json.runId as number, bExit });
      }
      started.push(...runs);
      // One trial in four also cancels a third run just before the kill.
      const cancelledRuns: number[] = [];
      if (random() < 0.25) {
        const res = await m()('POST', `/api/pipelines/${pipelineId}/runs`, { variables: { B_EXIT: '0' } });
        assert.is(res.status, 201, res.text);
        cancelledRuns.push(res.json.runId as number);
        started.push({ runId: res.json.runId as number, bExit: 0 });
        assert.is((await m()('POST', `/api/pipelines/${pipelineId}/runs/${res.json.runId}/cancel`)).status, 200);
      }
      await delay(Math.floor(random() * 2500));
      await killService(svc);
      svc = await startServiceProcess({ scheduler: 'docker', env: envs[policy], dataDir, keepDataDir: true, bootstrap: false });
      // One trial in four kills the restarted service again while it recovers.
      if (random() < 0.25) {
        doubleKills++;
        await delay(Math.floor(random() * 1500));
        await killService(svc);
        svc = await startServiceProcess({ scheduler: 'docker', env: envs[policy], dataDir, keepDataDir: true, bootstrap: false });
      }
      const c = m();
      const settleStart = Date.now();
      for (const { runId, bExit } of runs) {
        const run = await waitFor(
          `trial ${trial}: run ${runId} to complete after the restart`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 60_000 },
        );
        const want = expected(runId, bExit);
        const wantRun = bExit === 0 ? 'successful' : 'failed';
        if (run.status !== wantRun)
          problems.push(`trial ${trial} run ${runId}: status ${run.status}, expected ${wantRun} (${JSON.stringify(run.statusReason)})`);
        const tasks = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as Array<{
          taskId: string;
          status: string;
          exitCode?: number;
          schedulerId?: string;
          statusReason?: unknown;
        }>;
        const containers = containersWithLabel('gofer.run', String(runId)).filter((x) => x.labels['gofer.pipeline'] === pipelineId);
        for (const task of tasks) {
          const w = want[task.taskId]!;
          const where = `trial ${trial} run ${runId} task ${task.taskId}`;
          if (task.status !== w.status) problems.push(`${where}: status ${task.status}, expected ${w.status} (${JSON.stringify(task.statusReason)})`);
          if (w.exitCode !== undefined && task.exitCode !== w.exitCode) problems.push(`${where}: exit code ${task.exitCode}, expected ${w.exitCode}`);
          const mine = containers.filter((x) => x.labels['gofer.task'] === task.taskId);
          const log = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${task.taskId}/logs`)).text;
          if (log !== (w.log ?? ''))
            problems.push(
              `${where}: log ${JSON.stringify(log.slice(0, 200))} (${log.length} chars), expected ${JSON.stringify((w.log ?? '').slice(0, 200))} (${(w.log ?? '').length} chars)`,
            );
          if (policy === 'always') continue; // containers are checked below: none may remain
          if (w.log === undefined) {
            if (mine.length > 0) problems.push(`${where}: skipped, yet ${mine.length} container(s) exist`);
            continue;
          }
          // At most one container per task; none when the core's start-up orphan reaper removed
          // it (a run that completed while a restarted core was reaping).
          if (mine.length > 1) problems.push(`${where}: ${mine.length} containers, expected exactly 1`);
          if (mine.length === 0) reaped++;
          for (const ctr of mine) {
            const state = containerExit(ctr.id);
            if (!state) {
              reaped++;
              continue;
            }
            checkedContainers++;
            if (state.running) orphans++;
            if (state.exitCode !== task.exitCode) problems.push(`${where}: container exited ${state.exitCode}, record says ${task.exitCode}`);
          }
        }
        if (tasks.length !== TASKS.length) problems.push(`trial ${trial} run ${runId}: ${tasks.length} task records, expected ${TASKS.length}`);
      }
      for (const runId of cancelledRuns) {
        cancels++;
        const run = await waitFor(
          `trial ${trial}: cancelled run ${runId} to complete`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 60_000 },
        );
        if (run.status !== 'cancelled') problems.push(`trial ${trial} run ${runId}: status ${run.status} after a cancel, expected cancelled`);
        const tasks = (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as Array<{
          taskId: string;
          state: string;
          status: string;
        }>;
        for (const t of tasks)
          if (t.state !== 'complete' || !['cancelled', 'skipped', 'successful'].includes(t.status))
            problems.push(`trial ${trial} cancelled run ${runId} task ${t.taskId}: ${t.state}/${t.status}`);
        const running = containersWithLabel('gofer.run', String(runId)).filter((x) => x.labels['gofer.pipeline'] === pipelineId && x.state === 'running');
        orphans += running.length;
        for (const ctr of running) problems.push(`trial ${trial} cancelled run ${runId}: container ${ctr.name} still running`);
      }
      if (policy === 'always') {
        // Gofer removes each container once it has seen its end and its whole log.
        const left = await waitFor(
          `trial ${trial}: Gofer to remove the finished containers`,
          async () => {
            const now = containersWithLabel('gofer.pipeline', pipelineId);
            return now.length === 0 ? [] : Date.now() - settleStart > 20_000 ? now : undefined;
          },
          { timeoutMs: 30_000 },
        );
        orphans += left.length;
        for (const ctr of left) problems.push(`trial ${trial}: container ${ctr.name} (${ctr.state}) left behind`);
        if (left.length > 0) removeContainersWithLabel('gofer.pipeline', pipelineId);
        completedTrials++;
        continue;
      }
      // Containers that no task record references (started by a dead core, never adopted).
      const referenced = new Set<string>();
      for (const runId of [...runs.map((r) => r.runId), ...cancelledRuns]) {
        for (const t of (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as Array<{ schedulerId?: string }>)
          if (t.schedulerId) referenced.add(t.schedulerId);
      }
      for (const ctr of containersWithLabel('gofer.pipeline', pipelineId)) {
        if (!referenced.has(ctr.name) && !referenced.has(ctr.id)) {
          orphans++;
          problems.push(`trial ${trial}: container ${ctr.name} (${ctr.labels['gofer.run']}/${ctr.labels['gofer.task']}) belongs to no task record`);
        }
      }
      removeContainersWithLabel('gofer.pipeline', pipelineId);
      completedTrials++;
    }

    const listed = (await m()('GET', `/api/pipelines/${pipelineId}/runs?limit=1000`)).json.items as Array<{ runId: number }>;
    const ids = listed.map((r) => r.runId).sort((x, y) => x - y);
    const lost = started.filter((s) => !ids.includes(s.runId)).length;
    const duplicated = ids.length - new Set(ids).size + Math.max(0, ids.length - started.length);
    figure(
      `crash recovery: ${completedTrials}/${TRIALS} SIGKILL trials (${started.length} runs of 7 Docker tasks, ${doubleKills} killed again while recovering, ${cancels} cancelled just before the kill, seed ${seed}), ${checkedContainers} kept containers' exit codes matched (${reaped} reaped at a restart), ${lost} lost, ${duplicated} duplicated, ${orphans} orphans, ${problems.length} mismatches`,
    );
    // The itemised problems first: they say which run, task and container went wrong.
    assert.equal(problems, [], `seed ${seed}:\n${problems.join('\n')}`);
    assert.is(lost, 0, 'no run lost');
    assert.is(duplicated, 0, 'no run duplicated');
    assert.is(orphans, 0, 'no orphaned container');
  } finally {
    await svc.stop();
    for (const e of Object.values(envs)) rmSync(dirname(e.GOFER_CONFIG), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
});

test.run();
