/**
 * Faults on the two-node test cluster, each through a real Gofer core running pipelines on the
 * swarm scheduler (serial: they kill and restart engines, so nothing else may run beside them):
 * - the worker's dockerd is killed (SIGKILL) while it runs a task: the task ends `unknown` with
 *   the reason (its node is down) once the manager declares the node down, the run completes as
 *   its rules say, and the next `swarm-nodes.sh up` brings the worker back;
 * - the worker is drained mid-run: the swarm shuts the task down, which Gofer reports as
 *   `unknown` with the reason (not as the exit code of a task that never finished);
 * - the manager (the main engine) restarts while a task runs on the worker: Gofer waits for it,
 *   re-attaches, and the task succeeds with its whole output.
 * Each prints a `figure:` line with how long it took.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, memoryLogger, type Gofer } from '@gofer/core';
import type { Run, TaskConfig } from '@gofer/core/api';
import { engineClient } from '@gofer/docker-common';
import { dockerAvailable, REGISTRY_AUTH, REGISTRY_IMAGE } from '../../../test/helpers/docker.js';
import { restartableEngine, restoreEngine, startEngine, stopEngine } from '../../../test/reliability/docker-engine.js';
import { clusterNodeEngines, figure, joinTestSwarm, leaveTestSwarm, requireTestCluster, swarmNodes } from './swarm-helper.js';

const run = promisify(execFile);
const RUN = `flt${process.pid}${Date.now().toString(36)}`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ready = await dockerAvailable();
const { docker } = engineClient({});
let joined = false;

/** A Gofer core on the swarm, every task labelled `gofer.task=<id>` placed by the rules given. */
async function goferOnSwarm(placement: Array<{ task: string; node: string }>, withNodeEngines: boolean): Promise<Gofer> {
  return createGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    config: {
      root: ROOT,
      dataDir: ':memory:',
      scheduler: 'swarm',
      stopTimeoutMs: 1000,
      schedulers: {
        swarm: {
          pollIntervalMs: 100,
          stopGracePeriodMs: 1000,
          nodeEngines: withNodeEngines ? clusterNodeEngines() : {},
          placement: placement.map(({ task, node }) => ({ labels: { 'gofer.task': task }, constraints: [`node.labels.gofer.node==${node}`] })),
          registryCredentials: { '127.0.0.1:5000': { username: REGISTRY_AUTH.user, password: REGISTRY_AUTH.pass } },
        },
      },
    },
  });
}

/** Registers a pipeline, starts a run and reads `taskId`'s live output until `marker` shows. */
async function startRunUntil(gofer: Gofer, pipelineId: string, tasks: TaskConfig[], taskId: string, marker: string): Promise<number> {
  await gofer.pipelines.register({ id: pipelineId, name: pipelineId, tasks });
  const { runId } = await gofer.runs.start(pipelineId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await gofer.tasks.get(pipelineId, runId, taskId).catch(() => undefined);
    if (task?.state === 'running') break;
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not start within 60 s (${JSON.stringify(task)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let seen = '';
  for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId, { follow: true })) {
    seen += Buffer.from(chunk).toString();
    if (seen.includes(marker)) return runId;
  }
  throw new Error(`task ${taskId} ended before printing ${marker}: ${seen}`);
}

/** runs.wait with a deadline: a run that does not complete in time fails the test instead of hanging it. */
async function completes(gofer: Gofer, pipelineId: string, runId: number, withinMs: number): Promise<Run> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), withinMs);
  try {
    return await gofer.runs.wait(pipelineId, runId, { signal: controller.signal });
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`run ${pipelineId}/${runId} did not complete within ${withinMs} ms: it hangs`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function logsOf(gofer: Gofer, pipelineId: string, runId: number, taskId: string): Promise<string> {
  let text = '';
  for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId)) text += Buffer.from(chunk).toString();
  return text;
}

/** The pid of the worker's dockerd, checked to be the one scripts/swarm-nodes.sh started. */
function workerDockerdPid(socket: string): number {
  const pidFile = socket.replace(/docker\.sock$/, 'dockerd.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (argv[0] !== 'dockerd' || !argv.some((a) => a.includes(socket)))
    throw new Error(`pid ${pid} from ${pidFile} is not the worker's dockerd: ${argv.join(' ')}`);
  return pid;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

test.before(async () => {
  if (!ready) return;
  await joinTestSwarm();
  joined = true;
  requireTestCluster();
});

test.after(async () => {
  if (!joined) return;
  const services = await docker.listServices({ filters: { label: ['gofer.scheduler=swarm'] } });
  await Promise.all(
    services
      .filter((s) => s.Spec?.Name?.includes(RUN))
      .map((s) =>
        docker
          .getService(s.ID)
          .remove()
          .catch(() => undefined),
      ),
  );
  await leaveTestSwarm();
});

test("the worker's dockerd is killed mid-task: the task ends unknown (its node is down), the run completes by its rules, the worker comes back", async () => {
  if (!ready) return;
  const { worker, manager } = requireTestCluster();
  const pipelineId = `${RUN}k`;
  const gofer = await goferOnSwarm(
    [
      { task: 'victim', node: worker.name },
      { task: 'bystander', node: manager.name },
    ],
    true,
  );
  try {
    const tasks: TaskConfig[] = [
      { id: 'victim', image: REGISTRY_IMAGE, command: ['sh', '-c', 'echo started; while true; do echo tick; sleep 0.2; done'] },
      { id: 'bystander', image: REGISTRY_IMAGE, command: ['sh', '-c', 'echo fine'] },
      { id: 'after', image: REGISTRY_IMAGE, command: ['echo', 'never'], dependsOn: { victim: 'success' } },
    ];
    const runId = await startRunUntil(gofer, pipelineId, tasks, 'victim', 'started');
    const killedAt = Date.now();
    process.kill(workerDockerdPid(worker.socket), 'SIGKILL');
    const done = await completes(gofer, pipelineId, runId, 120_000);
    const endedMs = Date.now() - killedAt;
    const victim = await gofer.tasks.get(pipelineId, runId, 'victim');
    assert.is(done.status, 'failed');
    assert.is(victim.status, 'unknown');
    assert.is(victim.statusReason?.reason, 'orphaned');
    assert.match(victim.statusReason?.description ?? '', new RegExp(`swarm node .*gofer\\.node=${worker.name}.* running the task is down`));
    assert.is((await gofer.tasks.get(pipelineId, runId, 'bystander')).status, 'successful');
    assert.is((await gofer.tasks.get(pipelineId, runId, 'after')).status, 'skipped');
    assert.match(await logsOf(gofer, pipelineId, runId, 'victim'), /^started\ntick\n/);
    const repairStart = Date.now();
    await swarmNodes('up', '2');
    figure(
      `worker dockerd SIGKILL mid-task: task ended unknown ("${victim.statusReason?.description}") ${seconds(endedMs)} s after the kill; swarm-nodes.sh up brought the worker back in ${seconds(Date.now() - repairStart)} s`,
    );
  } finally {
    await gofer.close();
  }
});

test('the worker is drained mid-task: the swarm shuts the task down, Gofer reports it unknown with the reason, not as a success', async () => {
  if (!ready) return;
  const { worker } = requireTestCluster();
  const pipelineId = `${RUN}d`;
  const gofer = await goferOnSwarm([{ task: 'drained', node: worker.name }], true);
  try {
    // The task exits 0 when it gets TERM: a drain must still not read as a success.
    const tasks: TaskConfig[] = [
      { id: 'drained', image: REGISTRY_IMAGE, command: ['sh', '-c', 'trap "echo got-term; exit 0" TERM; echo started; while true; do sleep 0.1; done'] },
    ];
    const runId = await startRunUntil(gofer, pipelineId, tasks, 'drained', 'started');
    const drainedAt = Date.now();
    await run('docker', ['node', 'update', '--availability', 'drain', worker.nodeId]);
    try {
      const done = await completes(gofer, pipelineId, runId, 60_000);
      const endedMs = Date.now() - drainedAt;
      const task = await gofer.tasks.get(pipelineId, runId, 'drained');
      assert.is(done.status, 'failed');
      assert.is(task.status, 'unknown');
      assert.match(task.statusReason?.description ?? '', `the swarm shut the task down before it finished (its node`);
      assert.match(task.statusReason?.description ?? '', `gofer.node=${worker.name}) was drained)`);
      assert.is(await logsOf(gofer, pipelineId, runId, 'drained'), 'started\ngot-term\n');
      figure(`worker drained mid-task: task ended unknown ("${task.statusReason?.description}") ${seconds(endedMs)} s after the drain`);
    } finally {
      await run('docker', ['node', 'update', '--availability', 'active', worker.nodeId]);
    }
  } finally {
    await gofer.close();
  }
});

test('the manager restarts while a task runs on the worker: Gofer waits for it, re-attaches, and the task succeeds with its whole output', async () => {
  if (!ready) return;
  const engine = restartableEngine();
  if (!engine.ok) throw new Error(`Cannot restart the manager: ${engine.reason}. Start the engine with: bash scripts/docker-up.sh`);
  const { worker } = requireTestCluster();
  const pipelineId = `${RUN}m`;
  // Without the worker's engine: state and logs come only through the manager that restarts.
  const gofer = await goferOnSwarm([{ task: 'survivor', node: worker.name }], false);
  try {
    const script = 'echo before; i=0; while [ $i -lt 60 ]; do i=$((i+1)); echo "line $i"; sleep 0.2; done; echo after';
    const runId = await startRunUntil(gofer, pipelineId, [{ id: 'survivor', image: REGISTRY_IMAGE, command: ['sh', '-c', script] }], 'survivor', 'before');
    const stoppedAt = Date.now();
    try {
      await stopEngine(engine);
      await startEngine(engine.argv);
    } finally {
      await restoreEngine(engine.argv);
    }
    const downMs = Date.now() - stoppedAt;
    const done = await completes(gofer, pipelineId, runId, 90_000);
    const task = await gofer.tasks.get(pipelineId, runId, 'survivor');
    assert.is(done.status, 'successful', JSON.stringify(task.statusReason));
    assert.is(task.exitCode, 0);
    const expected = `before\n${Array.from({ length: 60 }, (_, i) => `line ${i + 1}\n`).join('')}after\n`;
    assert.is(await logsOf(gofer, pipelineId, runId, 'survivor'), expected, 'the whole output, nothing repeated');
    figure(`manager (main dockerd) restarted mid-task: down and back in ${seconds(downMs)} s; the task on the worker ended successful with its whole output`);
  } finally {
    await gofer.close();
  }
});

test.run();
