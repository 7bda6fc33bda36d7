/**
 * Secrets never reach anything Gofer writes in plaintext. The real service on the Docker
 * scheduler runs a pipeline whose tasks echo substituted secrets (`pipeline_secret{{..}}`,
 * `global_secret{{..}}`, a multi-line one) and scheduler-located ones (the Docker plugin's
 * `secrets.dir`), also through a failing and a timed-out task. Then every byte Gofer wrote is
 * scanned for the values: task logs (plain and followed), events, every API response, every
 * file under the data directory (SQLite db, -wal, -shm, log files) and the service's
 * stdout/stderr (debug level).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable, TEST_IMAGE } from '../helpers/docker.js';
import { api, startServiceProcess } from '../integration/service-harness.js';
import { dockerServiceConfig, figure, removeContainersWithLabel } from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const pipelineId = `rel-secrets-${process.pid}`;
const token = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const SECRETS = {
  pipeline: token('pipe'),
  global: token('glob'),
  multiline: `-----BEGIN KEY-----\n${token('line1')}\n${token('line2')}\n-----END KEY-----`,
  located: token('located'),
  locatedMulti: `${token('locA')}\n${token('locB')}`,
};

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The needles: each value, and each line of a multi-line one that is long enough to be a secret on its own. */
function needles(): string[] {
  return Object.values(SECRETS).flatMap((v) => [v, ...v.split('\n').filter((l) => l.length >= 20)]);
}

test('secrets echoed by tasks appear nowhere Gofer writes: logs, events, API, SQLite files, service output', async () => {
  if (!(await dockerAvailable())) return;
  const secretsDir = mkdtempSync(join(tmpdir(), 'gofer-rel-secretdir-'));
  writeFileSync(join(secretsDir, 'located'), `${SECRETS.located}\n`);
  writeFileSync(join(secretsDir, 'located_multi'), SECRETS.locatedMulti);
  const configPath = dockerServiceConfig({ removeAfterExit: 'always' }, { secrets: { dir: secretsDir } });
  const svc = await startServiceProcess({ scheduler: 'docker', env: { GOFER_CONFIG: configPath, GOFER_LOG_LEVEL: 'debug' }, keepDataDir: true });
  const responses: string[] = [];
  let stdout = ''; // after the "listening" line the harness waited for
  svc.child.stdout!.on('data', (d) => (stdout += d));
  const m = api(svc.url, svc.token);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await m(method, path, body);
    responses.push(res.text);
    return res;
  };
  let scanned = 0;
  const hits: string[] = [];
  try {
    const echo = 'echo "p=$PS"; echo "g=$GS"; echo "m=$MS"; echo "l=$LS"; echo "lm=$LMS"; printf "%s" "$MS" | head -2; env | grep -E "^(PS|GS|LS)="';
    const tasks = [
      { id: 'echo_all', command: ['sh', '-c', echo] },
      { id: 'echo_fail', command: ['sh', '-c', `${echo}; exit 4`] },
      { id: 'echo_slow', command: ['sh', '-c', `${echo}; sleep 30`], timeoutMs: 1500 },
      { id: 'echo_stderr', command: ['sh', '-c', `(${echo}) 1>&2`], dependsOn: { echo_all: 'success' } },
    ].map((t) => ({
      image: TEST_IMAGE,
      variables: { PS: 'pipeline_secret{{PSEC}}', GS: 'global_secret{{GSEC}}', MS: 'pipeline_secret{{MSEC}}' },
      secrets: { LS: 'located', LMS: 'located_multi' },
      ...t,
    }));
    assert.is((await call('POST', '/api/pipelines', { config: { id: pipelineId, name: 'secrets', tasks } })).status, 201);
    assert.is((await call('PUT', `/api/pipelines/${pipelineId}/secrets/PSEC`, { value: SECRETS.pipeline })).status, 204);
    assert.is((await call('PUT', `/api/pipelines/${pipelineId}/secrets/MSEC`, { value: SECRETS.multiline })).status, 204);
    assert.is((await call('PUT', '/api/secrets/GSEC', { value: SECRETS.global })).status, 204);

    const run = (await call('POST', `/api/pipelines/${pipelineId}/runs`, { variables: { RUNTIME: 'x' } })).json as { runId: number };
    // Follow one task's log live (SSE) while it runs.
    const followed = fetch(`${svc.url}/api/pipelines/${pipelineId}/runs/${run.runId}/tasks/echo_all/logs?follow=true`, {
      headers: { authorization: `Bearer ${svc.token}` },
    }).then((r) => r.text());
    await waitFor('the run to complete', async () => (await m('GET', `/api/pipelines/${pipelineId}/runs/${run.runId}`)).json?.state === 'complete', {
      timeoutMs: 60_000,
    });
    responses.push(await followed);

    const tasksRes = await call('GET', `/api/pipelines/${pipelineId}/runs/${run.runId}/tasks`);
    const byId = Object.fromEntries((tasksRes.json.items as Array<{ taskId: string; status: string }>).map((t) => [t.taskId, t.status]));
    assert.equal(byId, { echo_all: 'successful', echo_fail: 'failed', echo_slow: 'failed', echo_stderr: 'successful' });
    const logs: Record<string, string> = {};
    for (const id of Object.keys(byId)) {
      logs[id] = (await call('GET', `/api/pipelines/${pipelineId}/runs/${run.runId}/tasks/${id}/logs`)).text;
      await call('GET', `/api/pipelines/${pipelineId}/runs/${run.runId}/tasks/${id}`);
    }
    // The tasks did print something for every secret (masked), so the scan is meaningful.
    for (const prefix of ['p=', 'g=', 'm=', 'l=', 'lm=']) assert.match(logs.echo_all!, new RegExp(`^${prefix}\\S`, 'm'), `echo_all printed ${prefix}`);
    await call('GET', `/api/pipelines/${pipelineId}/runs/${run.runId}`);
    await call('GET', `/api/pipelines/${pipelineId}/versions/1`);
    await call('GET', `/api/pipelines/${pipelineId}/secrets`);
    await call('GET', '/api/secrets');
    await call('GET', '/api/events?limit=1000');
    // The data dir while the service runs (the -wal holds the recent writes), and again after
    // it stopped (checkpointed into the db file).
    const whileRunning = filesUnder(svc.dataDir).map((f) => [`${f} (running)`, readFileSync(f)] as [string, Buffer]);
    await svc.stop();

    const haystacks: Array<[string, Buffer]> = [
      ...responses.map((r, i) => [`API response #${i}`, Buffer.from(r)] as [string, Buffer]),
      ['service stderr', Buffer.from(svc.logs())],
      ['service stdout', Buffer.from(stdout)],
      ...whileRunning,
      ...filesUnder(svc.dataDir).map((f) => [f, readFileSync(f)] as [string, Buffer]),
    ];
    for (const [where, bytes] of haystacks) {
      scanned += bytes.length;
      for (const needle of needles()) if (bytes.includes(needle)) hits.push(`${where}: contains ${needle.slice(0, 12)}…`);
    }
    figure(
      `secrets: ${needles().length} secret values (substituted, multi-line, scheduler-located) scanned in ${haystacks.length} outputs (${(scanned / 1024).toFixed(0)} KiB: logs, events, API responses, SQLite db/wal, service output): ${hits.length} plaintext occurrences`,
    );
    assert.equal(hits, []);
  } finally {
    await svc.stop();
    rmSync(svc.dataDir, { recursive: true, force: true });
    rmSync(secretsDir, { recursive: true, force: true });
    removeContainersWithLabel('gofer.pipeline', pipelineId);
  }
});

test.run();
