/**
 * The CLI of reruns and concurrency groups against a real service (process scheduler):
 * `gofer run rerun <p> <r> [--failed | --task T [--with-dependents]]`, what `run get` and the live
 * view show of a rerun, and `run start` refused by a full `skip` group.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gofer, pipelineConfig, startServiceProcess, waitForFileSh, type RunningService } from './service-harness.js';

let svc: RunningService;
let env: Record<string, string>;

test.before(async () => {
  svc = await startServiceProcess();
  env = { GOFER_HOST: svc.url, GOFER_TOKEN: svc.token };
});

test.after(async () => {
  await svc?.stop();
});

test('run rerun --failed carries the successful task over and runs the failed one; --task with --with-dependents; usage and API errors', async () => {
  const flag = join(svc.dataDir, 'second-may-pass');
  const file = join(svc.dataDir, 'rr.json');
  writeFileSync(
    file,
    JSON.stringify(
      pipelineConfig('cli-rr', [
        { id: 'one', command: ['sh', '-c', 'echo one'] },
        { id: 'two', command: ['sh', '-c', `[ -f ${flag} ] || exit 4; echo two`], dependsOn: { one: 'success' } },
      ]),
    ),
  );
  assert.is((await gofer(['pipeline', 'create', file], env)).code, 0);
  assert.is((await gofer(['run', 'start', 'cli-rr', '--wait'], env)).code, 1, 'the first run fails in two');
  writeFileSync(flag, '');

  const rerun = await gofer(['run', 'rerun', 'cli-rr', '1', '--failed', '--wait'], env);
  assert.is(rerun.code, 0, rerun.stdout + rerun.stderr);
  assert.match(rerun.stdout, /^one\s+successful \(exit 0, carried over from run #1\)$/m);
  assert.match(rerun.stdout, /^\[one\s*\] one$/m, "the carried task's log is the first run's");
  assert.match(rerun.stdout, /^\[two\s*\] two$/m);
  assert.match(rerun.stdout, /^Run #2 successful/m);

  const shown = await gofer(['run', 'get', 'cli-rr', '2'], env);
  assert.match(shown.stdout, /Rerun \(failed\) of run #1/);
  const tasks = await gofer(['task', 'list', 'cli-rr', '2'], env);
  assert.match(tasks.stdout, /^one .*\(carried over from run #1\)$/m);

  const json = await gofer(['--json', 'run', 'rerun', 'cli-rr', '2', '--task', 'one', '--with-dependents'], env);
  assert.is(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { initiator: { rerunOf: unknown } }).initiator.rerunOf, {
    runId: 2,
    mode: 'task',
    taskId: 'one',
    withDependents: true,
  });

  assert.is((await gofer(['run', 'rerun', 'cli-rr', '1', '--failed', '--task', 'one'], env)).code, 2, 'either --failed or --task');
  assert.is((await gofer(['run', 'rerun', 'cli-rr', '1', '--with-dependents'], env)).code, 2, '--with-dependents needs --task');
  const unknown = await gofer(['run', 'rerun', 'cli-rr', '1', '--task', 'nope'], env);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /ERR_NOT_FOUND/);
});

test('run start into a full skip group exits 1 with ERR_CONCURRENCY_GROUP_BUSY; run get names the group', async () => {
  const release = join(svc.dataDir, 'release-skip');
  const file = join(svc.dataDir, 'skip.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...pipelineConfig('cli-skip', [{ id: 'hold', command: ['sh', '-c', waitForFileSh(release)] }]),
      concurrency: { group: 'cli-{{ENV}}', mode: 'skip' },
    }),
  );
  assert.is((await gofer(['pipeline', 'create', file], env)).code, 0);
  assert.is((await gofer(['run', 'start', 'cli-skip', '-v', 'ENV=prod'], env)).code, 0);
  const refused = await gofer(['run', 'start', 'cli-skip', '-v', 'ENV=prod'], env);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /ERR_CONCURRENCY_GROUP_BUSY/);
  assert.match(refused.stderr, /Concurrency group "cli-prod"/);
  assert.match((await gofer(['run', 'get', 'cli-skip', '1'], env)).stdout, /Concurrency group: cli-prod/);
  writeFileSync(release, '');
  assert.is((await gofer(['run', 'watch', 'cli-skip', '1'], env)).code, 0);
  assert.ok(existsSync(release));
});

test.run();
