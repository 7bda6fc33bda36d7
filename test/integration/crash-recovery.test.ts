/**
 * Crash recovery end to end: a child process hosts the core on a real data directory with the
 * Docker scheduler, starts two runs of a DAG with parallel and dependent tasks, and is killed
 * with SIGKILL while containers run. A new child on the same data directory must finish every
 * run with the right statuses and complete logs, re-attaching the running containers instead
 * of creating them again. One task per run (`mid`) exits while no core is running: its final
 * state and whole output are read after the restart.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;
const pipelineId = `crash-${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'gofer-crash-'));
const children = new Set<ChildProcess>();

function child(mode: 'start' | 'resume', onLine: (msg: Record<string, unknown>) => void): ChildProcess {
  const proc = spawn(process.execPath, ['--conditions=gofer-source', '--import', 'tsx', CHILD, mode, dataDir, pipelineId], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env },
  });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      onLine(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not one of ours
    }
  });
  return proc;
}

function containersOfPipeline(): Array<{ id: string; name: string; run: string; task: string }> {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      `label=gofer.pipeline=${pipelineId}`,
      '--format',
      '{{.ID}} {{.Names}} {{.Label "gofer.run"}} {{.Label "gofer.task"}}',
    ],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, name, run, task] = l.split(' ') as [string, string, string, string];
      return { id, name, run, task };
    });
}

function cleanUp(): void {
  for (const proc of children) proc.kill('SIGKILL');
  try {
    const ids = containersOfPipeline().map((c) => c.id);
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  } catch {
    // Docker gone: nothing to remove.
  }
  rmSync(dataDir, { recursive: true, force: true });
}

test('SIGKILL mid-run, restart on the same data dir: every run completes, containers re-attached, logs complete', async () => {
  if (!(await dockerAvailable())) return;
  try {
    // 1. Start, and kill once the four slow containers are running.
    const started = new Set<string>();
    const first = child('start', (msg) => {
      if (msg.event === 'task.started') {
        const p = msg.payload as { runId: number; taskId: string };
        started.add(`${p.runId}/${p.taskId}`);
      }
    });
    await waitFor(
      'the first core to start the slow tasks',
      () => {
        if (first.exitCode !== null) throw new Error(`the first core exited (started: ${[...started].join(', ')})`);
        return ['1/slow_a', '1/slow_b', '1/mid', '2/slow_a', '2/slow_b', '2/mid'].every((k) => started.has(k));
      },
      { timeoutMs: 60_000 },
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // The containers that exist at the kill: none of them may be replaced later.
    const atKill = containersOfPipeline();

    // What the dead core had recorded (events reach listeners only after their commit).
    const db = openSqlite(join(dataDir, 'gofer.db'), { readOnly: true });
    const before = db
      .prepare("SELECT run_id, task_id, state, scheduler_id FROM task_executions WHERE pipeline_id = ? AND state = 'running'")
      .all(pipelineId) as Array<{ run_id: number; task_id: string; scheduler_id: string }>;
    const unfinishedRuns = (db.prepare("SELECT COUNT(*) AS n FROM runs WHERE pipeline_id = ? AND state != 'complete'").get(pipelineId) as { n: number }).n;
    db.close();
    assert.is(unfinishedRuns, 2, 'both runs were mid-flight when the core died');
    for (const k of ['slow_a', 'slow_b']) assert.ok(before.filter((r) => r.task_id === k).length === 2, `${k} running in both runs at the kill`);

    // `mid` finishes while no core runs (poll the engine, no fixed sleep).
    await waitFor(
      'both mid containers to exit',
      () =>
        execFileSync(
          'docker',
          ['ps', '-a', '--filter', `label=gofer.pipeline=${pipelineId}`, '--filter', 'label=gofer.task=mid', '--filter', 'status=exited', '-q'],
          { encoding: 'utf8' },
        )
          .split('\n')
          .filter(Boolean).length === 2,
      { timeoutMs: 30_000, intervalMs: 50 },
    );

    // 2. A new core on the same data directory.
    let outcome:
      | Array<{ runId: number; status: string; tasks: Array<{ taskId: string; status: string; reason?: string; schedulerId?: string; log: string }> }>
      | undefined;
    const second = child('resume', (msg) => {
      if (msg.outcome) outcome = msg.outcome as typeof outcome;
    });
    const code = await new Promise<number | null>((r) => second.once('exit', r));
    assert.is(code, 0, 'the second core exited cleanly');
    assert.ok(outcome, 'the second core reported the outcome');

    const byRun = Object.fromEntries(outcome.map((r) => [r.runId, { status: r.status, tasks: Object.fromEntries(r.tasks.map((t) => [t.taskId, t])) }]));
    assert.is(byRun[1]!.status, 'successful');
    assert.is(byRun[2]!.status, 'failed');
    const expect: Record<number, Record<string, string>> = {
      1: {
        slow_a: 'successful',
        slow_b: 'successful',
        fast: 'successful',
        mid: 'successful',
        after_a: 'successful',
        on_b_fail: 'skipped',
        after_b: 'successful',
      },
      2: { slow_a: 'successful', slow_b: 'failed', fast: 'successful', mid: 'successful', after_a: 'successful', on_b_fail: 'successful', after_b: 'skipped' },
    };
    for (const [runId, tasks] of Object.entries(expect)) {
      for (const [taskId, status] of Object.entries(tasks)) assert.is(byRun[Number(runId)]!.tasks[taskId]!.status, status, `run ${runId} task ${taskId}`);
    }
    for (const runId of [1, 2]) {
      const t = byRun[runId]!.tasks;
      assert.is(t.slow_a!.log, 'a-start\na-end\n', `run ${runId}: slow_a's log is complete, once`);
      assert.is(t.slow_b!.log, 'b-start\nb-end\n');
      assert.is(t.fast!.log, 'fast\n');
      assert.is(t.mid!.log, 'mid-start\nmid-end\n', `run ${runId}: mid's output, read after it exited while Gofer was down`);
      assert.is(t.after_a!.log, `after-a ${runId}\n`);
    }
    assert.is(byRun[2]!.tasks.slow_b!.reason, 'abnormal_exit');

    // 3. No container was created twice: the running ones kept their scheduler ids, and each
    // (run, task) has exactly one container.
    for (const row of before) assert.is(byRun[row.run_id]!.tasks[row.task_id]!.schedulerId, row.scheduler_id, `run ${row.run_id} ${row.task_id} re-attached`);

    const containers = containersOfPipeline();
    const idByName = new Map(containers.map((c) => [c.name, c.id]));
    for (const c of atKill) assert.is(idByName.get(c.name), c.id, `run ${c.run} ${c.task}: the container from before the kill was kept, not recreated`);
    assert.ok(atKill.length >= 6, 'at least the slow and mid containers existed at the kill');
    const perTask = new Map<string, number>();
    for (const c of containers) perTask.set(`${c.run}/${c.task}`, (perTask.get(`${c.run}/${c.task}`) ?? 0) + 1);
    assert.is(containers.length, 12, 'six started tasks per run (one skipped in each)');
    assert.ok(
      [...perTask.values()].every((n) => n === 1),
      `one container per task: ${JSON.stringify([...perTask])}`,
    );
  } finally {
    cleanUp();
  }
});

test.run();
