/**
 * Start-up order and codes, on the real `gofer service start`: a port in use is ERR_PORT_IN_USE
 * naming the port and the fix, found before any unfinished run resumes; an invalid
 * environment variable is named (not blamed on a config file); a data directory that cannot be
 * used is ERR_DATA_DIR with its path; a Docker engine that cannot be reached (DOCKER_HOST at a
 * socket that does not exist) stops start-up with ERR_SCHEDULER_UNAVAILABLE unless the check is
 * turned off (--no-scheduler-check, GOFER_CHECK_SCHEDULER=0), when the service starts anyway.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, gofer, pipelineConfig, spawnGofer, startServiceProcess } from '../integration/service-harness.js';
import { figure } from './reliability-helpers.js';

const KEY = randomBytes(32).toString('hex');
const lines: string[] = [];

function start(args: string[], env: Record<string, string> = {}) {
  return gofer(['service', 'start', '--bind', '127.0.0.1', ...args], { GOFER_CONFIG: '', GOFER_LOG_LEVEL: 'info', GOFER_SECRET_KEY: KEY, ...env });
}

/** The `[CODE]: message` line the CLI prints. */
function errorLine(stderr: string): string {
  return stderr.split('\n').find((l) => /^error \[ERR_/.test(l)) ?? stderr.slice(-400);
}

test('a port in use: ERR_PORT_IN_USE naming the port, before any unfinished run resumes', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-startup-port-'));
  // A data dir with an unfinished run: left by a SIGKILLed service.
  const first = await startServiceProcess({ dataDir, keepDataDir: true });
  const m = api(first.url, first.token);
  assert.is((await m('POST', '/api/pipelines', { config: pipelineConfig('portrun', [{ id: 'slow', command: ['sleep', '20'] }]) })).status, 201);
  assert.is((await m('POST', '/api/pipelines/portrun/runs', {})).status, 201);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => (first.child.exitCode !== null ? resolve(undefined) : first.child.once('exit', resolve)));

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    const res = await start(['--port', String(port), '--data-dir', dataDir, '--scheduler', 'process']);
    assert.is(res.code, 1, res.stderr);
    const line = errorLine(res.stderr);
    assert.match(line, 'ERR_PORT_IN_USE', res.stderr);
    assert.match(line, `127.0.0.1:${port}`);
    assert.match(line, '--port');
    assert.not.match(res.stderr, 'resumed unfinished runs', 'nothing resumed before the port was bound');
    lines.push(`port in use -> ${line.slice(0, 120)}... (0 runs resumed)`);
  } finally {
    busy.close();
  }
  // The same directory starts on a free port, and only then resumes the run.
  const second = await startServiceProcess({ dataDir, keepDataDir: true, bootstrap: false });
  await second.stop();
  assert.match(second.logs(), 'resumed unfinished runs');
  rmSync(dataDir, { recursive: true, force: true });
});

test('an invalid environment variable is named, not blamed on the config file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-startup-env-'));
  const cfgDir = mkdtempSync(join(tmpdir(), 'gofer-startup-env-cfg-'));
  const configPath = join(cfgDir, 'gofer.config.json');
  writeFileSync(configPath, JSON.stringify({ parallelism: 2 }));
  try {
    for (const [name, value] of [
      ['GOFER_PARALLELISM', 'abc'],
      ['GOFER_STOP_TIMEOUT_MS', 'soon'],
      ['GOFER_LOG_LEVEL', 'loud'],
    ] as const) {
      const res = await start(['--data-dir', dataDir, '--port', '0'], { GOFER_CONFIG: configPath, [name]: value });
      assert.is(res.code, 1, res.stderr);
      const line = errorLine(res.stderr);
      assert.match(line, 'ERR_CONFIG_INVALID');
      assert.match(line, `The environment variable ${name} is invalid`);
      assert.match(res.stderr, `${name}="${value}"`);
      assert.not.match(res.stderr, configPath, 'the config file is not blamed');
      if (name === 'GOFER_PARALLELISM') lines.push(`${name}=${value} -> ${line.slice(0, 100)}...`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cfgDir, { recursive: true, force: true });
  }
});

test('a data dir that cannot be used: ERR_DATA_DIR with the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-startup-dd-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a directory');
  try {
    for (const dataDir of [file, join(file, 'inside')]) {
      const res = await start(['--data-dir', dataDir, '--port', '0', '--scheduler', 'process']);
      assert.is(res.code, 1, res.stderr);
      const line = errorLine(res.stderr);
      assert.match(line, 'ERR_DATA_DIR');
      assert.match(line, dataDir);
      assert.not.match(res.stderr, 'ERR_INTERNAL');
      if (dataDir === file) lines.push(`data dir is a file -> ${line.slice(0, 120)}...`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Docker unreachable with the docker scheduler: an error at start-up, unless the check is turned off', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-startup-docker-'));
  const socket = join(dataDir, 'no-such-docker.sock');
  const env = { DOCKER_HOST: `unix://${socket}` };
  try {
    const res = await start(['--data-dir', dataDir, '--port', '0', '--scheduler', 'docker'], env);
    assert.is(res.code, 1, res.stderr);
    const line = errorLine(res.stderr);
    assert.match(line, 'ERR_SCHEDULER_UNAVAILABLE');
    assert.match(line, socket);
    assert.match(line, '--no-scheduler-check');
    assert.not.match(res.stdout, 'listening');
    lines.push(`docker unreachable -> ${line.slice(0, 140)}...`);
    // Turned off by the environment variable, then by the flag: the service starts anyway.
    const svc = await startServiceProcess({ dataDir, keepDataDir: true, scheduler: 'docker', bootstrap: false, env: { ...env, GOFER_CHECK_SCHEDULER: '0' } });
    await svc.stop();
    assert.ok(await startWithFlagThenStop(dataDir, env), 'the --no-scheduler-check start listens');
    lines.push('docker unreachable with GOFER_CHECK_SCHEDULER=0 or --no-scheduler-check -> listening');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** Starts `gofer service start --no-scheduler-check` with the docker scheduler; true once it listens (then stops it). */
async function startWithFlagThenStop(dataDir: string, env: Record<string, string>): Promise<boolean> {
  const child = spawnGofer(['service', 'start', '--bind', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--scheduler', 'docker', '--no-scheduler-check'], {
    GOFER_CONFIG: '',
    GOFER_SECRET_KEY: KEY,
    GOFER_CHECK_SCHEDULER: undefined,
    ...env,
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const listening = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (/listening on/.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!listening) console.error(err);
  await new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined);
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  return listening;
}

test.after(() => {
  figure(`start-up codes: ${lines.join('; ')}`);
});

test.run();
