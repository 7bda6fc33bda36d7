/**
 * SIGKILL of the service with runs queued in a concurrency group and a rerun in progress (issue 15).
 * The REAL service (`gofer service start`, Docker scheduler, containers kept) has two pipelines
 * sharing one concurrency group (`relcg-<pid>-{{LANE}}`, queue, limit 1) and a third pipeline whose
 * first run failed in its middle task. Each trial starts four group runs alternating between the two
 * pipelines and a `failed` rerun of that first run, SIGKILLs the service at a random (seeded) moment
 * and starts it again on the same data directory. Then: every run completes successfully, exactly
 * once (one `run.started` event, at most one container per task (none once the restart's orphan reaper removed it), each log exactly its known text); the
 * group's runs were admitted in creation order (FIFO across the pipelines) and never overlapped; the
 * rerun's carried-over task ran in no container of its own and its log reads from the first run; no
 * run is lost or duplicated and no container is left running or unreferenced (printed as `figure:`).
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import {
  containerExit,
  containersWithLabel,
  delay,
  dockerServiceConfig,
  figure,
  prng,
  removeContainers,
  removeContainersWithLabel,
  testSeed,
  killService,
} from './reliability-helpers.js';

const TRIALS = Number(process.env.GOFER_CG_TRIALS ?? 6);
const GROUP_RUNS = 4;
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const random = prng(seed);
const tag = `relcg-${process.pid}`;
/** Both pipelines put their runs in group `<tag>-{{LANE}}`: with LANE=shared, one group. */
const LANE_A = `${tag}-a`;
const LANE_B = `${tag}-b`;
const RERUN = `${tag}-rr`;

const JOB = { id: 'job', image: TEST_IMAGE, command: ['sh', '-c', 'echo start $GOFER_RUN_ID; sleep 0.6; echo end'] };
/** The rerun pipeline: `mid` fails in run 1 only, so a `failed` rerun carries `first` and runs `mid` and `last`. */
const RR_TASKS = [
  { id: 'first', image: TEST_IMAGE, command: ['sh', '-c', 'echo first'] },
  { id: 'mid', image: TEST_IMAGE, command: ['sh', '-c', 'echo mid $GOFER_RUN_ID; sleep 1; [ "$GOFER_RUN_ID" != 1 ]'], dependsOn: { first: 'success' } },
  { id: 'last', image: TEST_IMAGE, command: ['sh', '-c', 'echo last; sleep 0.3'], dependsOn: { mid: 'success' } },
];

type TaskRow = { taskId: string; status: string; exitCode?: number; schedulerId?: string; started?: number; ended?: number; carriedFrom?: { runId: number } };

test('SIGKILLs with runs queued in a concurrency group and a rerun in progress: each run completes exactly once, in group order', async () => {
  if (!(await dockerAvailable())) return;
  const env = { GOFER_CONFIG: dockerServiceConfig({ removeAfterExit: 'never' }), GOFER_LOG_LEVEL: 'warn' };
  let svc: RunningService = await startServiceProcess({ scheduler: 'docker', env, keepDataDir: true });
  const { dataDir, token } = svc;
  const problems: string[] = [];
  const created: Array<{ pipelineId: string; runId: number }> = [];
  let orphans = 0;
  let completedTrials = 0;
  let groupRuns = 0;
  let reruns = 0;
  let reaped = 0;
  /** Group runs not yet started when the service was killed, and reruns not yet complete. */
  let queuedAtKill = 0;
  let rerunsAcrossKill = 0;
  try {
    const m = () => api(svc.url, token);
    for (const id of [LANE_A, LANE_B]) {
      const reg = await m()('POST', '/api/pipelines', { config: { id, name: 'group trials', concurrency: { group: `${tag}-{{LANE}}` }, tasks: [JOB] } });
      assert.is(reg.status, 201, reg.text);
    }
    assert.is((await m()('POST', '/api/pipelines', { config: { id: RERUN, name: 'rerun trials', tasks: RR_TASKS } })).status, 201);
    const first = await m()('POST', `/api/pipelines/${RERUN}/runs`);
    assert.is(first.status, 201, first.text);
    created.push({ pipelineId: RERUN, runId: 1 });
    await waitFor('the first run to fail', async () => (await m()('GET', `/api/pipelines/${RERUN}/runs/1`)).json?.state === 'complete', { timeoutMs: 30_000 });

    for (let trial = 1; trial <= TRIALS; trial++) {
      const groupOrder: Array<{ pipelineId: string; runId: number }> = [];
      for (let i = 0; i < GROUP_RUNS; i++) {
        const pipelineId = i % 2 === 0 ? LANE_A : LANE_B;
        const res = await m()('POST', `/api/pipelines/${pipelineId}/runs`, { variables: { LANE: 'shared' } });
        assert.is(res.status, 201, res.text);
        assert.is(res.json.concurrencyGroup, `${tag}-shared`);
        groupOrder.push({ pipelineId, runId: res.json.runId as number });
      }
      const rr = await m()('POST', `/api/pipelines/${RERUN}/runs/1/rerun`, { mode: 'failed' });
      assert.is(rr.status, 201, rr.text);
      const rerunId = rr.json.runId as number;
      created.push(...groupOrder, { pipelineId: RERUN, runId: rerunId });
      await delay(Math.floor(random() * 2500));
      const killedAt = Date.now();
      await killService(svc);
      svc = await startServiceProcess({ scheduler: 'docker', env, dataDir, keepDataDir: true, bootstrap: false });
      const c = m();
      const complete = async (pipelineId: string, runId: number) =>
        waitFor(
          `trial ${trial}: ${pipelineId}#${runId} to complete after the restart`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 60_000 },
        );
      const tasksOf = async (pipelineId: string, runId: number) => (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks`)).json.items as TaskRow[];
      const logOf = async (pipelineId: string, runId: number, taskId: string) =>
        (await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/${taskId}/logs`)).text;
      const referenced = new Set<string>();
      /** One container for the task, exited as recorded; none for a task that never ran here. */
      const checkContainers = (where: string, pipelineId: string, runId: number, task: TaskRow, expect: number) => {
        if (task.schedulerId) referenced.add(task.schedulerId);
        const mine = containersWithLabel('gofer.run', String(runId)).filter(
          (x) => x.labels['gofer.pipeline'] === pipelineId && x.labels['gofer.task'] === task.taskId,
        );
        // Fewer only when the restarted core's orphan reaper removed a container whose task had ended (as in crash-recovery).
        if (mine.length > expect) problems.push(`${where}: ${mine.length} containers, expected ${expect}`);
        if (mine.length < expect) reaped++;
        for (const ctr of mine) {
          const state = containerExit(ctr.id);
          if (state?.running) orphans++;
          if (state && state.exitCode !== task.exitCode) problems.push(`${where}: container exited ${state.exitCode}, record says ${task.exitCode}`);
        }
      };

      let previousEnd = 0;
      for (const { pipelineId, runId } of groupOrder) {
        const where = `trial ${trial} ${pipelineId}#${runId}`;
        const run = await complete(pipelineId, runId);
        groupRuns++;
        if (run.status !== 'successful') problems.push(`${where}: ${run.status} (${JSON.stringify(run.statusReason)})`);
        const [job] = await tasksOf(pipelineId, runId);
        if (!job || job.status !== 'successful') problems.push(`${where}: job ${job?.status}`);
        if (!job) continue;
        const log = await logOf(pipelineId, runId, 'job');
        if (log !== `start ${runId}\nend\n`) problems.push(`${where}: log ${JSON.stringify(log)}`);
        checkContainers(where, pipelineId, runId, job, 1);
        if ((job.started ?? 0) > killedAt) queuedAtKill++;
        // Group order: each run of the group starts only after the one created before it ended.
        if ((job.started ?? 0) < previousEnd) problems.push(`${where}: started ${job.started}, before the previous run of the group ended (${previousEnd})`);
        previousEnd = job.ended ?? Number.MAX_SAFE_INTEGER;
      }

      const rerun = await complete(RERUN, rerunId);
      reruns++;
      if (rerun.ended > killedAt) rerunsAcrossKill++;
      const where = `trial ${trial} rerun ${RERUN}#${rerunId}`;
      if (rerun.status !== 'successful') problems.push(`${where}: ${rerun.status} (${JSON.stringify(rerun.statusReason)})`);
      if (rerun.initiator?.rerunOf?.runId !== 1 || rerun.initiator?.rerunOf?.mode !== 'failed')
        problems.push(`${where}: initiator ${JSON.stringify(rerun.initiator)}`);
      const want: Record<string, string> = { first: 'first\n', mid: `mid ${rerunId}\n`, last: 'last\n' };
      for (const task of await tasksOf(RERUN, rerunId)) {
        const at = `${where} task ${task.taskId}`;
        if (task.status !== 'successful') problems.push(`${at}: ${task.status}`);
        const log = await logOf(RERUN, rerunId, task.taskId);
        if (log !== want[task.taskId]) problems.push(`${at}: log ${JSON.stringify(log)}, expected ${JSON.stringify(want[task.taskId])}`);
        const carried = task.taskId === 'first';
        if (carried !== (task.carriedFrom?.runId === 1)) problems.push(`${at}: carriedFrom ${JSON.stringify(task.carriedFrom)}`);
        checkContainers(at, RERUN, rerunId, task, carried ? 0 : 1);
      }

      // Exactly once: one run.started event per run of the trial.
      const started = (
        (await c('GET', '/api/events?types=run.started&limit=10000')).json.items as Array<{ payload: { pipelineId: string; runId: number } }>
      ).map((e) => `${e.payload.pipelineId}#${e.payload.runId}`);
      const mine = [...groupOrder, { pipelineId: RERUN, runId: rerunId }].map((r) => `${r.pipelineId}#${r.runId}`);
      for (const id of mine) {
        const n = started.filter((s) => s === id).length;
        if (n !== 1) problems.push(`trial ${trial} ${id}: started ${n} times`);
      }
      const groupStarts = started.filter((s) => mine.slice(0, GROUP_RUNS).includes(s));
      if (groupStarts.join(' ') !== mine.slice(0, GROUP_RUNS).join(' '))
        problems.push(`trial ${trial}: group admitted ${groupStarts.join(' ')}, created ${mine.slice(0, GROUP_RUNS).join(' ')}`);

      // Containers no task record references (started by a dead core, never adopted).
      for (const pipelineId of [LANE_A, LANE_B, RERUN]) {
        for (const ctr of containersWithLabel('gofer.pipeline', pipelineId)) {
          if (ctr.labels['gofer.pipeline'] === RERUN && ctr.labels['gofer.run'] === '1') continue;
          if (!referenced.has(ctr.name) && !referenced.has(ctr.id)) {
            orphans++;
            problems.push(`trial ${trial}: container ${ctr.name} (${ctr.labels['gofer.run']}/${ctr.labels['gofer.task']}) belongs to no task record`);
          }
        }
      }
      for (const pipelineId of [LANE_A, LANE_B]) removeContainersWithLabel('gofer.pipeline', pipelineId);
      // The rerun pipeline's run 1 stays (every trial reruns it); only this pipeline's containers go.
      removeContainers(
        containersWithLabel('gofer.pipeline', RERUN)
          .filter((ctr) => ctr.labels['gofer.run'] !== '1')
          .map((ctr) => ctr.id),
      );
      completedTrials++;
    }

    let lost = 0;
    let duplicated = 0;
    for (const pipelineId of [LANE_A, LANE_B, RERUN]) {
      const ids = ((await m()('GET', `/api/pipelines/${pipelineId}/runs?limit=1000`)).json.items as Array<{ runId: number }>).map((r) => r.runId);
      const want = created.filter((r) => r.pipelineId === pipelineId).map((r) => r.runId);
      lost += want.filter((id) => !ids.includes(id)).length;
      duplicated += ids.length - new Set(ids).size + Math.max(0, ids.length - want.length);
    }
    figure(
      `concurrency groups and reruns under SIGKILL: ${completedTrials}/${TRIALS} trials (seed ${seed}), ${groupRuns} runs queued in one group across 2 pipelines admitted in FIFO order (${queuedAtKill} still queued at the kill), ${reruns} failed-task reruns (${rerunsAcrossKill} unfinished at the kill) (${reaped} finished containers reaped at a restart); ${lost} lost, ${duplicated} duplicated, ${orphans} orphans, ${problems.length} mismatches`,
    );
    assert.equal(problems, [], `seed ${seed}:\n${problems.join('\n')}`);
    assert.is(lost, 0, 'no run lost');
    assert.is(duplicated, 0, 'no run duplicated');
    assert.is(orphans, 0, 'no orphaned container');
  } finally {
    await svc.stop();
    rmSync(dirname(env.GOFER_CONFIG), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    for (const pipelineId of [LANE_A, LANE_B, RERUN]) removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
});

test.run();
