/**
 * Approval gates across SIGKILLs of the REAL service (Docker scheduler), several trials. Each
 * trial starts five runs whose gates wait for approval: A is approved before the kill, D's
 * approval is sent as the service is killed (its answer may or may not arrive), B and C are
 * approved and rejected after the restart, and T (a gate with a 6 s timeout) is left alone. The
 * service is SIGKILLed once every gate waits, then started again on the same data directory
 * (containers are kept and not reaped, so each task's containers can be counted).
 * Afterwards: every run completes once with the status its decision implies; each gate has
 * exactly one decision (one `task.approval_decided` event; deciding again is a 409); the task
 * behind an approved gate ran in exactly one container (none behind a rejected one); T timed out
 * counted from when it started waiting, not from the restart; no run lost or duplicated.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { containersWithLabel, delay, dockerServiceConfig, figure, prng, removeContainersWithLabel, testSeed, killService } from './reliability-helpers.js';

const TRIALS = Number(process.env.GOFER_APPROVAL_TRIALS ?? 6);
const TIMEOUT_MS = 6000;
const gated = `rel-appr-${process.pid}`;
const timed = `rel-apprt-${process.pid}`;
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
const random = prng(seed);

const GATED_CONFIG = {
  id: gated,
  name: 'approval trials',
  tasks: [
    { id: 'build', image: TEST_IMAGE, command: ['echo', 'built'] },
    { id: 'gate', kind: 'approval', message: 'Deploy?', dependsOn: { build: 'success' } },
    { id: 'deploy', image: TEST_IMAGE, command: ['sh', '-c', 'echo deploy $GOFER_RUN_ID'], dependsOn: { gate: 'success' } },
    { id: 'notify', image: TEST_IMAGE, command: ['echo', 'notified'], dependsOn: { gate: 'failure' } },
  ],
};
const TIMED_CONFIG = {
  id: timed,
  name: 'approval timeout trials',
  tasks: [
    { id: 'gate', kind: 'approval', message: 'Anyone?', timeoutMs: TIMEOUT_MS },
    { id: 'late', image: TEST_IMAGE, command: ['echo', 'nobody came'], dependsOn: { gate: 'failure' } },
  ],
};

type Plan = 'approve-before' | 'approve-at-kill' | 'approve-after' | 'reject-after';

test('SIGKILLs while runs wait for approval: every run completes once, each decision applied once, timeouts kept, nothing lost or duplicated', async () => {
  if (!(await dockerAvailable())) return;
  const env = { GOFER_CONFIG: dockerServiceConfig({ removeAfterExit: 'never', reapOrphans: false }), GOFER_LOG_LEVEL: 'warn' };
  let svc: RunningService = await startServiceProcess({ scheduler: 'docker', env, keepDataDir: true });
  const { dataDir, token } = svc;
  const problems: string[] = [];
  const started: Array<{ pipelineId: string; runId: number }> = [];
  let completedTrials = 0;
  let decisions = 0;
  let duplicatedDecisions = 0;
  let atKillAnswered = 0;
  let timeouts = 0;
  let timedWaitingAtKill = 0;
  let extraContainers = 0;
  try {
    const m = () => api(svc.url, token);
    for (const config of [GATED_CONFIG, TIMED_CONFIG]) {
      const reg = await m()('POST', '/api/pipelines', { config });
      assert.is(reg.status, 201, reg.text);
    }
    const gateOf = async (pipelineId: string, runId: number) => (await m()('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/gate`)).json;
    const decide = (pipelineId: string, runId: number, decision: 'approve' | 'reject', comment: string) =>
      m()('POST', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/gate/${decision}`, { comment });

    for (let trial = 1; trial <= TRIALS; trial++) {
      const plans: Plan[] = ['approve-before', 'approve-at-kill', 'approve-after', 'reject-after'];
      const runs: Array<{ runId: number; plan: Plan }> = [];
      for (const plan of plans) {
        const res = await m()('POST', `/api/pipelines/${gated}/runs`);
        assert.is(res.status, 201, res.text);
        runs.push({ runId: res.json.runId as number, plan });
        started.push({ pipelineId: gated, runId: res.json.runId as number });
      }
      const t = await m()('POST', `/api/pipelines/${timed}/runs`);
      assert.is(t.status, 201, t.text);
      const timedRun = t.json.runId as number;
      started.push({ pipelineId: timed, runId: timedRun });
      for (const { pipelineId, runId } of [...runs.map((r) => ({ pipelineId: gated, runId: r.runId })), { pipelineId: timed, runId: timedRun }]) {
        await waitFor(
          `trial ${trial}: ${pipelineId} run ${runId} to wait for approval`,
          async () => (await gateOf(pipelineId, runId)).state === 'waiting_approval' || undefined,
          {
            timeoutMs: 30_000,
          },
        );
      }
      const before = runs.find((r) => r.plan === 'approve-before')!;
      const res = await decide(gated, before.runId, 'approve', 'before the kill');
      if (res.status !== 200) problems.push(`trial ${trial} run ${before.runId}: approve before the kill answered ${res.status} ${res.text}`);
      if ((await gateOf(timed, timedRun).catch(() => undefined))?.state === 'waiting_approval') timedWaitingAtKill++;
      // D: the approval races the kill; its answer may or may not come back.
      const atKill = runs.find((r) => r.plan === 'approve-at-kill')!;
      const racing = decide(gated, atKill.runId, 'approve', 'at the kill').catch(() => undefined);
      await delay(Math.floor(random() * 80));
      await killService(svc);
      const raced = await racing;
      const racedOk = raced?.status === 200;
      if (racedOk) atKillAnswered++;
      const restartedAt = Date.now();
      svc = await startServiceProcess({ scheduler: 'docker', env, dataDir, keepDataDir: true, bootstrap: false });
      const upAt = Date.now();

      // After the restart: deciding A (and D, if it was answered) again is a conflict; B, C, D (if unanswered) are decided now.
      for (const r of runs) {
        const where = `trial ${trial} run ${r.runId} (${r.plan})`;
        if (r.plan === 'approve-before' || (r.plan === 'approve-at-kill' && racedOk)) {
          const again = await decide(gated, r.runId, 'approve', 'again');
          if (again.status !== 409) problems.push(`${where}: deciding again answered ${again.status}, expected 409 (${again.text.slice(0, 200)})`);
        } else if (r.plan === 'approve-at-kill') {
          // Unanswered: either it was applied before the kill (409, already approved) or it still waits (200).
          const now = await decide(gated, r.runId, 'approve', 'after the kill');
          if (now.status !== 200 && !(now.status === 409 && /already approved/.test(now.text)))
            problems.push(`${where}: approve after an unanswered one answered ${now.status} ${now.text.slice(0, 200)}`);
        } else {
          const gate = await gateOf(gated, r.runId);
          if (gate.state !== 'waiting_approval')
            problems.push(`${where}: after the restart the gate is ${gate.state}/${gate.status}, expected waiting_approval`);
          const now = await decide(gated, r.runId, r.plan === 'approve-after' ? 'approve' : 'reject', 'after the restart');
          if (now.status !== 200) problems.push(`${where}: decision after the restart answered ${now.status} ${now.text.slice(0, 200)}`);
        }
      }

      const c = m();
      const complete = async (pipelineId: string, runId: number) =>
        waitFor(
          `trial ${trial}: ${pipelineId} run ${runId} to complete`,
          async () => {
            const r = await c('GET', `/api/pipelines/${pipelineId}/runs/${runId}`);
            return r.json?.state === 'complete' ? r.json : undefined;
          },
          { timeoutMs: 60_000 },
        );
      const decidedEvents = (await c('GET', '/api/events?types=task.approval_decided&limit=10000')).json.items as Array<{
        payload: { pipelineId: string; runId: number; decision: string };
      }>;
      for (const r of runs) {
        const where = `trial ${trial} run ${r.runId} (${r.plan})`;
        const approved = r.plan !== 'reject-after';
        const run = await complete(gated, r.runId);
        if (run.status !== (approved ? 'successful' : 'failed')) problems.push(`${where}: run ${run.status} (${JSON.stringify(run.statusReason)})`);
        const tasks = Object.fromEntries(
          (
            (await c('GET', `/api/pipelines/${gated}/runs/${r.runId}/tasks`)).json.items as Array<{
              taskId: string;
              status: string;
              approval?: { decision?: { decision: string } };
            }>
          ).map((x) => [x.taskId, x]),
        );
        const wantGate = approved ? 'approved' : 'rejected';
        if (tasks.gate?.approval?.decision?.decision !== wantGate)
          problems.push(`${where}: gate decision ${JSON.stringify(tasks.gate?.approval)}, expected ${wantGate}`);
        if (tasks.deploy?.status !== (approved ? 'successful' : 'skipped')) problems.push(`${where}: deploy ${tasks.deploy?.status}`);
        if (tasks.notify?.status !== (approved ? 'skipped' : 'successful')) problems.push(`${where}: notify ${tasks.notify?.status}`);
        if (approved) {
          const log = (await c('GET', `/api/pipelines/${gated}/runs/${r.runId}/tasks/deploy/logs`)).text;
          if (log !== `deploy ${r.runId}\n`) problems.push(`${where}: deploy log ${JSON.stringify(log)}`);
        }
        const mine = decidedEvents.filter((e) => e.payload.pipelineId === gated && e.payload.runId === r.runId);
        decisions += Math.min(mine.length, 1);
        if (mine.length !== 1) {
          duplicatedDecisions += Math.max(0, mine.length - 1);
          problems.push(`${where}: ${mine.length} task.approval_decided events, expected 1`);
        }
        const containers = containersWithLabel('gofer.run', String(r.runId)).filter((x) => x.labels['gofer.pipeline'] === gated);
        for (const [taskId, want] of Object.entries({ build: 1, deploy: approved ? 1 : 0, notify: approved ? 0 : 1, gate: 0 })) {
          const n = containers.filter((x) => x.labels['gofer.task'] === taskId).length;
          if (n !== want) {
            extraContainers += Math.max(0, n - want);
            problems.push(`${where}: ${n} containers of ${taskId}, expected ${want}`);
          }
        }
      }
      const timedDone = await complete(timed, timedRun);
      const gate = await gateOf(timed, timedRun);
      const where = `trial ${trial} ${timed} run ${timedRun}`;
      if (timedDone.status !== 'failed' || gate.statusReason?.reason !== 'timeout')
        problems.push(`${where}: ${timedDone.status}, gate ${JSON.stringify(gate.statusReason)}`);
      else timeouts++;
      const deadline = gate.approval?.deadline as number;
      if (deadline !== gate.approval?.requested + TIMEOUT_MS) problems.push(`${where}: deadline ${deadline}, requested ${gate.approval?.requested}`);
      // Counted from when it started waiting: it fires at the deadline, or at once when the service is back after it.
      if (!(gate.ended >= deadline && gate.ended <= Math.max(deadline, upAt) + 2500))
        problems.push(`${where}: timed out at ${gate.ended}, deadline ${deadline}, restart from ${restartedAt} to ${upAt}`);
      if ((await c('GET', `/api/pipelines/${timed}/runs/${timedRun}/tasks/late`)).json.status !== 'successful') problems.push(`${where}: late did not run`);
      removeContainersWithLabel('gofer.pipeline', gated);
      removeContainersWithLabel('gofer.pipeline', timed);
      completedTrials++;
    }

    let lost = 0;
    let duplicated = 0;
    for (const pipelineId of [gated, timed]) {
      const listed = ((await m()('GET', `/api/pipelines/${pipelineId}/runs?limit=1000`)).json.items as Array<{ runId: number }>).map((r) => r.runId);
      const mine = started.filter((s) => s.pipelineId === pipelineId).map((s) => s.runId);
      lost += mine.filter((id) => !listed.includes(id)).length;
      duplicated += listed.length - new Set(listed).size + Math.max(0, listed.length - mine.length);
    }
    figure(
      `approvals across SIGKILL: ${completedTrials}/${TRIALS} trials (${started.length} runs waiting for approval when killed, seed ${seed}), ${decisions} decisions applied once (${atKillAnswered}/${completedTrials} racing approvals answered before the kill), ${timeouts} timeouts counted from the start of the wait (${timedWaitingAtKill} still waiting at the kill), ${lost} lost, ${duplicated} duplicated, ${duplicatedDecisions} duplicated decisions, ${extraContainers} extra containers, ${problems.length} mismatches`,
    );
    assert.equal(problems, [], `seed ${seed}:\n${problems.join('\n')}`);
    assert.is(lost, 0, 'no run lost');
    assert.is(duplicated, 0, 'no run duplicated');
  } finally {
    await svc.stop();
    rmSync(dirname(env.GOFER_CONFIG), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    removeContainersWithLabel('gofer.pipeline', gated);
    removeContainersWithLabel('gofer.pipeline', timed);
  }
});

test.run();
