/**
 * The log disk fills up mid-task (issue 12), on a 48 MiB tmpfs this test mounts and removes
 * (needs root: skipped with a warning otherwise, failed under GOFER_REQUIRE_DOCKER=1):
 *
 * - reserve: the whole data dir (database and logs) on the tmpfs, `logDiskReserveMb` 16. A task
 *   printing 100 MiB is stopped when free space falls below the reserve: it and its run fail
 *   with `log_write_failed`; the database commits. A small run then fails the same way (still
 *   below the reserve); once space is freed a small run succeeds.
 * - full: only the logs on the tmpfs (`<dataDir>/logs` a link to it), reserve 0. Writes fail with
 *   ENOSPC: the same outcome, with the system's error in the description.
 *
 * In both, the service answers throughout and the database passes `PRAGMA integrity_check`
 * afterwards, every run complete.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../core/src/stores/open-database.js';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait-for.js';
import { api, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { dockerServiceConfig, figure, removeContainersWithLabel } from './reliability-helpers.js';

const MIB = 1024 * 1024;
const TMPFS_MB = 48;
const BIG = 100 * MIB;
const SMALL = 64 * 1024;
const LINE = 'gofer disk full line 0123456789';

interface TaskView {
  status: string;
  statusReason?: { reason: string; description: string };
}

/** Mounts a tmpfs of `TMPFS_MB` on a fresh folder; undefined when this process may not mount. */
function mountTmpfs(): { dir: string; remove(): void } | undefined {
  if (process.getuid?.() !== 0) {
    const message = 'the disk-full test mounts a tmpfs and needs root';
    if (process.env.GOFER_REQUIRE_DOCKER === '1') throw new Error(message);
    console.warn(`skipped: ${message}`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'gofer-rel-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', dir]);
  return {
    dir,
    remove: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const freeMb = (dir: string) => {
  const out = execFileSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
  return Number(out) / 1024;
};

/** Starts the service on `dataDir`, runs a big then small tasks; returns what the check needs. */
async function scenario(name: string, dataDir: string, logsDir: string, reserveMb: number) {
  const pipelineId = `rel-disk-full-${name}-${process.pid}`;
  const configPath = dockerServiceConfig({ removeAfterExit: 'always', logDiskReserveMb: reserveMb });
  const svc: RunningService = await startServiceProcess({
    scheduler: 'docker',
    dataDir,
    keepDataDir: true,
    env: { GOFER_CONFIG: configPath, GOFER_LOG_LEVEL: 'warn' },
  });
  const m = api(svc.url, svc.token);
  try {
    const config = { id: pipelineId, name: 'disk full', tasks: [{ id: 'talk', image: TEST_IMAGE, command: ['sh', '-c', `yes '${LINE}' | head -c $BYTES`] }] };
    assert.is((await m('POST', '/api/pipelines', { config })).status, 201);
    const run = async (bytes: number) => {
      const started = await m('POST', `/api/pipelines/${pipelineId}/runs`, { variables: { BYTES: String(bytes) } });
      assert.is(started.status, 201, started.text);
      const runId = (started.json as { runId: number }).runId;
      const done = await waitFor(
        `run ${runId} to complete`,
        async () => {
          const r = (await m('GET', `/api/pipelines/${pipelineId}/runs/${runId}`)).json as {
            state: string;
            status: string;
            statusReason?: { description: string };
          };
          return r.state === 'complete' ? r : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      );
      const task = (await m('GET', `/api/pipelines/${pipelineId}/runs/${runId}/tasks/talk`)).json as TaskView;
      // The service keeps serving: another route answers too.
      assert.is((await m('GET', `/api/pipelines/${pipelineId}`)).status, 200);
      return { runId, run: done, task };
    };

    const big = await run(BIG);
    const bigLog = join(logsDir, pipelineId, String(big.runId), 'talk.log');
    const written = statSync(bigLog).size;
    const freeAfterBig = freeMb(logsDir);
    const stillLow = await run(SMALL);
    rmSync(join(logsDir, pipelineId, String(big.runId)), { recursive: true, force: true }); // the operator frees space
    const afterFree = await run(SMALL);
    const log = await m('GET', `/api/pipelines/${pipelineId}/runs/${afterFree.runId}/tasks/talk/logs`);
    return { pipelineId, svc, big, written, freeAfterBig, stillLow, afterFree, log: log.text };
  } finally {
    await svc.stop();
    removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
}

/** Every run complete and the database intact. */
function checkDatabase(dataDir: string, pipelineId: string): string {
  const db = openDatabase(dataDir);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const rows = db
      .prepare<[string], { state: string; status: string }>('SELECT state, status FROM runs WHERE pipeline_id = ? ORDER BY run_id')
      .all(pipelineId);
    assert.is(integrity, 'ok', 'PRAGMA integrity_check');
    assert.equal(
      rows.map((r) => `${r.state}/${r.status}`),
      ['complete/failed', 'complete/failed', 'complete/successful'],
    );
    return `integrity ${String(integrity)}, runs ${rows.map((r) => r.status).join(', ')}`;
  } finally {
    db.close();
  }
}

function assertFailedForLogs(task: TaskView, run: { status: string }, pattern: RegExp, what: string): void {
  assert.is(task.status, 'failed', `${what}: task status`);
  assert.is(task.statusReason?.reason, 'log_write_failed', `${what}: ${JSON.stringify(task.statusReason)}`);
  assert.match(task.statusReason!.description, pattern, `${what}: description`);
  assert.is(run.status, 'failed', `${what}: run status`);
}

test('data dir on a full tmpfs, logDiskReserveMb 16: the task stops below the reserve, the database commits', async () => {
  if (!(await dockerAvailable())) return;
  const tmpfs = mountTmpfs();
  if (!tmpfs) return;
  try {
    const dataDir = join(tmpfs.dir, 'data');
    const r = await scenario('reserve', dataDir, join(dataDir, 'logs'), 16);
    assertFailedForLogs(r.big.task, r.big.run, /less than the reserve of 16 MiB \(logDiskReserveMb\)/, 'the 100 MiB task');
    assertFailedForLogs(r.stillLow.task, r.stillLow.run, /logDiskReserveMb/, 'a small task while still below the reserve');
    assert.is(r.afterFree.task.status, 'successful', 'a small task once space was freed');
    assert.is(r.log.length, SMALL);
    const db = checkDatabase(dataDir, r.pipelineId);
    figure(
      `disk full (reserve): ${TMPFS_MB} MiB tmpfs holding the data dir, reserve 16 MiB: a 100 MiB task wrote ${(r.written / MIB).toFixed(1)} MiB then failed (log_write_failed), ${r.freeAfterBig.toFixed(1)} MiB left free; next small run failed (log_write_failed), after freeing space a small run succeeded; database ${db}`,
    );
  } finally {
    tmpfs.remove();
  }
});

test('logs on a full tmpfs, no reserve: writes fail with ENOSPC, the task and run fail with log_write_failed', async () => {
  if (!(await dockerAvailable())) return;
  const tmpfs = mountTmpfs();
  if (!tmpfs) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-rel-disk-full-'));
  try {
    const logsDir = join(tmpfs.dir, 'logs');
    mkdirSync(logsDir);
    symlinkSync(logsDir, join(dataDir, 'logs'));
    const r = await scenario('enospc', dataDir, logsDir, 0);
    assertFailedForLogs(r.big.task, r.big.run, /ENOSPC/, 'the 100 MiB task');
    assertFailedForLogs(r.stillLow.task, r.stillLow.run, /ENOSPC/, 'a small task while the disk is full');
    assert.is(r.afterFree.task.status, 'successful', 'a small task once space was freed');
    assert.is(r.log.length, SMALL);
    const db = checkDatabase(dataDir, r.pipelineId);
    figure(
      `disk full (ENOSPC): ${TMPFS_MB} MiB tmpfs holding the logs, no reserve: a 100 MiB task wrote ${(r.written / MIB).toFixed(1)} MiB then failed (log_write_failed: ${r.big.task.statusReason!.description.slice(0, 90)}...); next small run failed the same way, after freeing space a small run succeeded; database ${db}; ${readdirSync(logsDir).length} pipeline log folder(s) left`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    tmpfs.remove();
  }
});

test.run();
