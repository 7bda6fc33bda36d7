/**
 * The REAL `gofer` CLI against the REAL service: `run start --wait` shows the live view and
 * exits with the run's status; tables for people, --json for scripts; exit codes 0/1/2.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, gofer, pipelineConfig, spawnGofer, startServiceProcess, type RunningService } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let svc: RunningService;
let env: Record<string, string>;

test.before(async () => {
  svc = await startServiceProcess();
  env = { GOFER_HOST: svc.url, GOFER_TOKEN: svc.token };
});

test.after(async () => {
  await svc?.stop();
});

test('pipeline create loads a TypeScript SDK file; run start --wait shows the run live and exits 1 when it fails', async () => {
  const created = await gofer(['pipeline', 'create', 'examples/pipelines/demo.ts'], env);
  assert.is(created.code, 0, created.stderr);
  assert.match(created.stdout, 'Registered demo version 1 (deployed)');

  const run = await gofer(['run', 'start', 'demo', '-v', 'GREETING_NAME=Ada', '--wait'], env);
  assert.is(run.code, 1, `a failed run exits 1\n${run.stdout}\n${run.stderr}`);
  const out = run.stdout;
  for (const line of [
    /^greet\s+running$/m,
    /^\[greet\s*\] Hello, Ada!$/m,
    /^\[test\s*\] check 3\/3 running$/m,
    /^test\s+failed \(exit 3, abnormal_exit\)$/m,
    /^notify\s+successful \(exit 0\)$/m,
    /^deploy\s+skipped/m,
    /^Run #1 failed/m,
  ]) {
    assert.match(out, line, `live view shows ${line}\n${out}`);
  }
  // The failure branch is shown after the failure it depends on.
  assert.ok(out.search(/^test\s+failed/m) < out.search(/^notify\s+successful/m), out);
});

test('run start --wait exits 0 when the run succeeds; --json prints the run', async () => {
  const file = join(svc.dataDir, 'ok.json');
  writeFileSync(file, JSON.stringify(pipelineConfig('ok-pipe', [{ id: 'hello', command: ['sh', '-c', 'echo "hi $WHO"'] }])));
  assert.is((await gofer(['pipeline', 'create', file], env)).code, 0);
  const human = await gofer(['run', 'start', 'ok-pipe', '-v', 'WHO=you', '--wait'], env);
  assert.is(human.code, 0, human.stdout + human.stderr);
  assert.match(human.stdout, /^\[hello\s*\] hi you$/m);
  assert.match(human.stdout, /^Run #1 successful/m);
  const json = await gofer(['--json', 'run', 'start', 'ok-pipe', '--wait'], env);
  assert.is(json.code, 0);
  const parsed = JSON.parse(json.stdout) as { runId: number; status: string };
  assert.equal([parsed.runId, parsed.status], [2, 'successful']);
});

test('task get shows each variable with its source; task logs prints the output', async () => {
  const got = await gofer(['task', 'get', 'demo', '1', 'greet'], env);
  assert.is(got.code, 0, got.stderr);
  assert.match(got.stdout, /^GREETING_NAME\s+Ada\s+run_options$/m);
  assert.match(got.stdout, /^GOFER_PIPELINE_ID\s+demo\s+system$/m);
  const json = JSON.parse((await gofer(['--json', 'task', 'get', 'demo', '1', 'greet'], env)).stdout) as { variables: Array<{ key: string; source: string }> };
  assert.ok(json.variables.some((v) => v.key === 'GREETING_NAME' && v.source === 'run_options'));
  const logs = await gofer(['task', 'logs', 'demo', '1', 'test', '-f'], env);
  assert.is(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, 'check 1/3 running\ncheck 2/3 running\ncheck 3/3 running\n');
  const list = await gofer(['task', 'list', 'demo', '1'], env);
  assert.match(list.stdout, /^TASK\s+STATE\s+STATUS/m);
  assert.match(list.stdout, /^deploy\s+complete\s+skipped/m);
});

test('lists print tables by default and JSON with --json', async () => {
  const table = await gofer(['pipeline', 'list'], env);
  assert.is(table.code, 0);
  assert.match(table.stdout, /^PIPELINE\s+NAMESPACE\s+NAME/m);
  assert.match(table.stdout, /^demo\s+default\s+Gofer demo\s+active/m);
  assert.not.match(table.stdout, '\u001b[', 'no colours when stdout is not a terminal');
  const json = JSON.parse((await gofer(['pipeline', 'list', '--json'], env)).stdout) as Array<{ pipelineId: string }>;
  assert.equal(json.map((p) => p.pipelineId).sort(), ['demo', 'ok-pipe']);
  const runs = await gofer(['run', 'list', 'demo'], env);
  assert.match(runs.stdout, /^1\s+complete\s+failed/m);
});

test('secrets are write-only; objects round-trip; tokens and events', async () => {
  assert.is((await gofer(['secret', 'put', 'API_KEY', '--pipeline', 'demo'], env, 'hunter2\n')).code, 0);
  const secrets = await gofer(['secret', 'list', '--pipeline', 'demo'], env);
  assert.match(secrets.stdout, /^API_KEY$/m);
  assert.not.match(secrets.stdout, 'hunter2');
  assert.is((await gofer(['object', 'put', 'demo', 'note', 'hello object'], env)).code, 0);
  assert.is((await gofer(['object', 'get', 'demo', 'note'], env)).stdout, 'hello object');
  const token = JSON.parse((await gofer(['--json', 'token', 'create', '--kind', 'client', '--namespace', 'default', '--description', 'ci'], env)).stdout) as {
    secret: string;
    token: { kind: string };
  };
  assert.is(token.token.kind, 'client');
  const asClient = await gofer(['token', 'list'], { ...env, GOFER_TOKEN: token.secret });
  assert.is(asClient.code, 1);
  assert.match(asClient.stderr, 'ERR_FORBIDDEN');
  const events = JSON.parse((await gofer(['--json', 'event', 'list', '--types', 'run.completed'], env)).stdout) as Array<{ type: string }>;
  assert.ok(events.length >= 3 && events.every((e) => e.type === 'run.completed'));
  const plugins = await gofer(['plugin', 'list'], env);
  assert.match(plugins.stdout, /^scheduler\s+process\s+.*active/m);
});

test('event list -f prints live events as JSON lines until interrupted', async () => {
  const stored = (await api(svc.url, svc.token)('GET', '/api/events')).json.items as Array<{ id: number }>;
  const lastId = stored[stored.length - 1]!.id;
  const follower = spawnGofer(['--json', 'event', 'list', '-f', '--types', 'run.completed', '--after', String(lastId)], env);
  let out = '';
  follower.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => follower.once('exit', (code) => resolve(code)));
  try {
    // Start runs until the follower has shown one (it may connect after the first completes).
    await waitFor(
      'a live run.completed line',
      async () => {
        if (out.includes('\n')) return true;
        await gofer(['run', 'start', 'ok-pipe'], env);
        return false;
      },
      { timeoutMs: 30_000 },
    );
  } finally {
    follower.kill('SIGINT');
  }
  assert.is(await exited, 0, 'an interrupted follower exits 0');
  const first = JSON.parse(out.split('\n')[0]!) as { type: string; payload: { pipelineId: string } };
  assert.equal([first.type, first.payload.pipelineId], ['run.completed', 'ok-pipe']);
});

test('exit codes: 1 for API errors with the code on stderr, 2 for usage errors', async () => {
  const noToken = await gofer(['pipeline', 'list'], { ...env, GOFER_TOKEN: '' });
  assert.is(noToken.code, 1);
  assert.match(noToken.stderr, 'error [ERR_UNAUTHENTICATED]');
  const missing = await gofer(['run', 'get', 'demo', '99'], env);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'ERR_NOT_FOUND');
  assert.is((await gofer(['run', 'start'], env)).code, 2, 'missing argument');
  assert.is((await gofer(['no-such-command'], env)).code, 2, 'unknown command');
  assert.is((await gofer(['run', 'get', 'demo', 'abc'], env)).code, 2, 'bad argument');
  assert.is((await gofer(['--help'], env)).code, 0);
  const down = await gofer(['pipeline', 'list'], { ...env, GOFER_HOST: 'http://127.0.0.1:9' });
  assert.is(down.code, 1);
  assert.match(down.stderr, 'Cannot reach the Gofer service');
});

test('a matrix task: its combination ids work as arguments; task get shows the values and allowFailure', async () => {
  const file = join(svc.dataDir, 'matrix.json');
  const base = pipelineConfig('cli-matrix', [
    { id: 'test', command: ['sh', '-c', 'echo "node $NODE"; [ "$NODE" != 18 ]'] },
    { id: 'report', command: ['sh', '-c', 'echo done'], dependsOn: { test: 'any' } },
  ]);
  const config = {
    ...base,
    tasks: base.tasks.map((t) => (t.id === 'test' ? { ...t, matrix: { NODE: ['18', '20'], failFast: false }, allowFailure: true } : t)),
  };
  writeFileSync(file, JSON.stringify(config));
  assert.is((await gofer(['pipeline', 'create', file], env)).code, 0);
  const run = await gofer(['run', 'start', 'cli-matrix', '--wait'], env);
  assert.is(run.code, 0, `a run whose only failure is allowed succeeds\n${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^test\[NODE=18\]\s+failed \(exit 1, abnormal_exit, allowed to fail\)$/m);
  assert.match(run.stdout, /^\[test\[NODE=20\]\s*\] node 20$/m);
  assert.match(run.stdout, /^Run #1 successful: task "test\[NODE=18\]" did not succeed, which allowFailure permits/m);

  const list = await gofer(['task', 'list', 'cli-matrix', '1'], env);
  assert.is(list.code, 0, list.stderr);
  assert.match(list.stdout, /^test\[NODE=18\]\s+complete\s+failed\s+1\s+1\s+.*\(allowed to fail\)$/m);
  assert.match(list.stdout, /^test\[NODE=20\]\s+complete\s+successful/m);
  const got = await gofer(['task', 'get', 'cli-matrix', '1', 'test[NODE=18]'], env);
  assert.is(got.code, 0, got.stderr);
  assert.match(got.stdout, /^matrix: NODE=18 \(a combination of test\)$/m);
  assert.match(got.stdout, /^allowFailure: yes \(may fail: it failed, and the run does not fail for it\)$/m);
  assert.match(got.stdout, /^NODE\s+18\s+matrix$/m);
  const logs = await gofer(['task', 'logs', 'cli-matrix', '1', 'test[NODE=20]'], env);
  assert.is(logs.stdout, 'node 20\n');
  // Anything else in the task id is refused by the route, not looked up.
  const malformed = await gofer(['task', 'get', 'cli-matrix', '1', 'test[NODE=18'], env);
  assert.is(malformed.code, 1);
  assert.match(malformed.stderr, 'ERR_INVALID_ARGUMENT');
});

test('examples/pipelines/together.ts on the process scheduler: outputs, the matrix, the workspace; deploy only from main', async () => {
  assert.is((await gofer(['pipeline', 'create', 'examples/pipelines/together.ts'], env)).code, 0);
  const main = await gofer(['run', 'start', 'together', '-v', 'GIT_BRANCH=main', '--wait'], env);
  assert.is(main.code, 0, `${main.stdout}\n${main.stderr}`);
  // The tasks' own logs (the live view's interleaving under load is the demo test's concern).
  const logs = async (task: string) => (await gofer(['task', 'logs', 'together', '1', task], env)).stdout;
  assert.is(await logs('test[NODE=20,OS=debian]'), 'testing on node 20 / debian: artifact of run 1\n');
  assert.is(await logs('deploy'), 'deploying 1.1\n');
  assert.match(main.stdout, /^Run #1 successful: task "lint" did not succeed, which allowFailure permits/m);
  const build = await gofer(['task', 'get', 'together', '1', 'build'], env);
  assert.match(build.stdout, /^VERSION\s+1\.1$/m, build.stdout);
  const other = await gofer(['--json', 'run', 'start', 'together', '--wait'], env);
  assert.is(other.code, 0, other.stderr);
  const deploy = (await api(svc.url, svc.token)('GET', '/api/pipelines/together/runs/2/tasks/deploy')).json as {
    status: string;
    statusReason: { reason: string; description: string };
  };
  assert.is(deploy.status, 'skipped');
  assert.is(deploy.statusReason.reason, 'condition_false');
  assert.match(deploy.statusReason.description, /not set, so '': GIT_BRANCH/);
});

test.run();
