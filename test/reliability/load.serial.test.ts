/**
 * Load: 200 runs started at once on the real service with the Docker scheduler and a global
 * parallelism limit of 8. All complete successfully; the limit is never exceeded, measured two
 * ways (the event log's run.started/run.completed order, and `docker ps` sampled with the
 * test's label); the service's memory stays bounded (peak RSS from /proc, VmHWM).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { api, startServiceProcess } from '../integration/service-harness.js';
import { delay, dockerServiceConfig, figure, removeContainersWithLabel } from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const RUNS = Number(process.env.GOFER_LOAD_RUNS ?? 200);
const LIMIT = 8;
const pipelineId = `rel-load-${process.pid}`;
/** The core's memory may not pass this, whatever the load (it holds 200 runs' state and logs). */
const RSS_BOUND_MB = 400;

function memoryKb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

test('200 runs at once, global parallelism 8: all succeed, the limit holds, memory stays bounded', async () => {
  if (!(await dockerAvailable())) return;
  const configPath = dockerServiceConfig({ parallelism: LIMIT, logRetentionRuns: 1000, removeAfterExit: 'always' });
  const svc = await startServiceProcess({ scheduler: 'docker', env: { GOFER_CONFIG: configPath, GOFER_LOG_LEVEL: 'warn' } });
  let sampling = true;
  let maxRunningContainers = 0;
  const sampler = (async () => {
    while (sampling) {
      const ids = execFileSync('docker', ['ps', '-q', '--filter', `label=gofer.pipeline=${pipelineId}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      maxRunningContainers = Math.max(maxRunningContainers, ids.length);
      await delay(100);
    }
  })();
  try {
    const m = api(svc.url, svc.token);
    const config = {
      id: pipelineId,
      name: 'load',
      tasks: [{ id: 'work', image: TEST_IMAGE, command: ['sh', '-c', 'echo start $GOFER_RUN_ID; sleep 0.3; echo end'] }],
    };
    assert.is((await m('POST', '/api/pipelines', { config })).status, 201);
    const baseline = memoryKb(svc.child.pid!);
    const t0 = Date.now();
    const started = await Promise.all(Array.from({ length: RUNS }, () => m('POST', `/api/pipelines/${pipelineId}/runs`, {})));
    assert.ok(
      started.every((r) => r.status === 201),
      'every start was accepted',
    );
    let peakRssKb = 0;
    const runs = await waitFor(
      'all runs to complete',
      async () => {
        peakRssKb = Math.max(peakRssKb, memoryKb(svc.child.pid!).rss);
        const list = (await m('GET', `/api/pipelines/${pipelineId}/runs?limit=1000`)).json.items as Array<{ runId: number; state: string; status: string }>;
        return list.length === RUNS && list.every((r) => r.state === 'complete') ? list : undefined;
      },
      { timeoutMs: 240_000 },
    );
    const wallS = (Date.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const peak = Math.max(peakRssKb, memoryKb(svc.child.pid!).peak);

    // Concurrency from the event log: +1 at run.started, -1 at run.completed, in commit order.
    const events: Array<{ type: string; payload: { pipelineId?: string } }> = [];
    for (let after = 0; ;) {
      const page = (await m('GET', `/api/events?after=${after}&limit=1000`)).json.items as Array<{
        id: number;
        type: string;
        payload: { pipelineId?: string };
      }>;
      if (page.length === 0) break;
      events.push(...page);
      after = page[page.length - 1]!.id;
    }
    let running = 0;
    let maxRunning = 0;
    for (const e of events.filter((x) => x.payload.pipelineId === pipelineId)) {
      if (e.type === 'run.started') maxRunning = Math.max(maxRunning, ++running);
      if (e.type === 'run.completed') running--;
    }
    const failed = runs.filter((r) => r.status !== 'successful').length;
    figure(
      `load: ${RUNS} runs at once, global parallelism ${LIMIT}: ${RUNS - failed}/${RUNS} successful in ${wallS.toFixed(1)} s, max concurrent runs ${maxRunning} (events), max running containers ${maxRunningContainers} (docker ps), core RSS ${(baseline.rss / 1024).toFixed(0)} MB idle -> peak ${(peak / 1024).toFixed(0)} MB`,
    );
    assert.is(failed, 0, 'every run succeeded');
    assert.ok(maxRunning <= LIMIT && maxRunning >= 2, `the limit held (max ${maxRunning})`);
    assert.ok(maxRunningContainers <= LIMIT, `never more than ${LIMIT} containers at once (${maxRunningContainers})`);
    assert.ok(peak / 1024 < RSS_BOUND_MB, `peak RSS ${peak} kB stays under ${RSS_BOUND_MB} MB`);
    const lastLog = (await m('GET', `/api/pipelines/${pipelineId}/runs/${RUNS}/tasks/work/logs`)).text;
    assert.is(lastLog, `start ${RUNS}\nend\n`, 'the last run has its whole log');
  } finally {
    sampling = false;
    await sampler;
    await svc.stop();
    removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
});

test.run();
