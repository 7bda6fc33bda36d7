/**
 * Retention that cannot race. 300 runs started at once (32 in flight, the process scheduler,
 * tasks that print a line): afterwards exactly `logRetentionRuns` log folders are left, those of
 * the newest ended runs, wherever the runs' ends fell. A data dir kept with a larger setting is
 * swept down at the next start-up. Events: kept by count (`eventRetentionCount`) and by age
 * (`eventRetentionDays`: events older than it, written before the start, are gone after it).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger, type GoferConfigInput } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';
import { pipelineConfig } from '../integration/service-harness.js';
import { figure } from './reliability-helpers.js';

const RUNS = 300;
const IN_FLIGHT = 32;
const KEEP = 20;
const PIPELINE = 'sweep';

async function start(dataDir: string, config: Partial<GoferConfigInput>) {
  const { gofer } = await startGofer({
    useEnv: false,
    logger: memoryLogger('warn'),
    plugins: [processScheduler],
    config: { dataDir, scheduler: 'process', discover: false, stopTimeoutMs: 200, parallelism: IN_FLIGHT, ...config },
  });
  return gofer;
}

const logFolders = (dataDir: string) => {
  const dir = join(dataDir, 'logs', PIPELINE);
  return existsSync(dir) ? readdirSync(dir).map(Number) : [];
};

function eventCount(dataDir: string, olderThanMs = 0): number {
  const db = openSqlite(join(dataDir, 'gofer.db'), { readOnly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM events WHERE at < ?').get(Date.now() - olderThanMs) as { n: number }).n;
  } finally {
    db.close();
  }
}

test(`${RUNS} concurrent runs: exactly logRetentionRuns log folders are left, the newest ended runs'`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-retention-'));
  try {
    let gofer = await start(dataDir, { logRetentionRuns: KEEP });
    await gofer.pipelines.register(
      // A little work before the output, so that ends interleave with the starts of newer runs.
      pipelineConfig(PIPELINE, [{ id: 'print', command: ['sh', '-c', 'i=0; while [ $i -lt 20 ]; do i=$((i+1)); done; echo "run $GOFER_RUN_ID"'] }]),
    );
    const started = Date.now();
    const runs = await Promise.all(Array.from({ length: RUNS }, () => gofer.runs.start(PIPELINE)));
    const ended = await Promise.all(runs.map((r) => gofer.runs.wait(PIPELINE, r.runId)));
    const seconds = (Date.now() - started) / 1000;
    const successful = ended.filter((r) => r.status === 'successful').length;
    const left = logFolders(dataDir).sort((a, b) => a - b);
    // The newest ended runs are the ones kept: with all ended, runs RUNS-KEEP+1 .. RUNS.
    const expected = Array.from({ length: KEEP }, (_, i) => RUNS - KEEP + 1 + i);
    await gofer.close();

    // Kept with a larger window, then started with a smaller one: the start-up sweep trims it.
    gofer = await start(dataDir, { logRetentionRuns: 1000 });
    await Promise.all(Array.from({ length: 10 }, async () => gofer.runs.wait(PIPELINE, (await gofer.runs.start(PIPELINE)).runId)));
    const beforeRestart = logFolders(dataDir).length;
    await gofer.close();
    gofer = await start(dataDir, { logRetentionRuns: 5 });
    const afterRestart = logFolders(dataDir).sort((a, b) => a - b);
    await gofer.close();

    figure(
      `retention: ${RUNS} runs started at once (${IN_FLIGHT} in flight, process scheduler) in ${seconds.toFixed(1)} s, ${successful} successful: ${left.length} log folders left (logRetentionRuns ${KEEP}: runs ${left[0]}..${left[left.length - 1]}); start-up sweep: ${beforeRestart} folders kept with logRetentionRuns 1000 -> ${afterRestart.length} after a start with 5`,
    );
    assert.is(successful, RUNS);
    assert.equal(left, expected);
    assert.is(beforeRestart, KEEP + 10);
    assert.equal(afterRestart, [RUNS + 6, RUNS + 7, RUNS + 8, RUNS + 9, RUNS + 10]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('events retention at start-up: by age and by count', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-retention-events-'));
  try {
    let gofer = await start(dataDir, { eventRetentionCount: 0, eventRetentionDays: 0 });
    await gofer.pipelines.register(pipelineConfig(PIPELINE, [{ id: 'print', command: ['true'] }]));
    for (let i = 0; i < 20; i++) await gofer.runs.wait(PIPELINE, (await gofer.runs.start(PIPELINE)).runId);
    await gofer.close();
    const unlimited = eventCount(dataDir);

    // Events 40 days old, as a service that ran long ago would have left them.
    const db = openSqlite(join(dataDir, 'gofer.db'));
    const old = Date.now() - 40 * 24 * 60 * 60 * 1000;
    const insert = db.prepare('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('run.created', old + i, JSON.stringify({ pipelineId: PIPELINE, runId: 0 }));
    })();
    db.close();
    const withOld = eventCount(dataDir);

    // By age only (30 days): the old ones go at start-up, the recent ones stay.
    gofer = await start(dataDir, { eventRetentionDays: 30, eventRetentionCount: 0 });
    await gofer.close();
    const afterAge = eventCount(dataDir);
    const oldLeft = eventCount(dataDir, 30 * 24 * 60 * 60 * 1000);

    // By count: trimmed at start-up, and kept at the limit as runs end.
    gofer = await start(dataDir, { eventRetentionCount: 50 });
    const afterCountStart = eventCount(dataDir);
    await gofer.close();

    figure(
      `events retention: ${unlimited} events of 20 runs + 500 of 40 days ago = ${withOld}; eventRetentionDays 30 at start-up -> ${afterAge} (${oldLeft} older than 30 days); eventRetentionCount 50 at start-up -> ${afterCountStart}`,
    );
    assert.is(withOld, unlimited + 500);
    assert.is(oldLeft, 0, 'the 40-day-old events went');
    assert.ok(afterAge >= unlimited, 'recent events stay');
    assert.ok(unlimited > 50);
    assert.ok(afterCountStart <= 50 + 10, `at most the limit plus the start's own events: ${afterCountStart}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
