/**
 * `npm run demo`'s script end to end (scripts/demo.mjs on the built core): the demo pipeline's
 * DAG with its failure branch and runtime variable, live progress, and the scheduler it chose
 * and why. Runs on Docker when an engine answers (it must in CI), and on local processes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable } from '../helpers/docker.js';
import { ROOT } from './service-harness.js';

function demo(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/demo.mjs')], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

function assertDemoOutput(out: string): void {
  for (const expected of [
    /^Pipeline: demo: greet; test <- greet\(success\); deploy <- test\(success\); notify <- test\(failure\)$/m,
    /^Runtime variable: GREETING_NAME=Grace$/m,
    /^greet\s+running$/m,
    /^\[greet\s*\] Hello, Grace!$/m,
    /^\[test\s*\] check 2\/3 running$/m,
    /^test\s+failed \(exit 3, abnormal_exit\)$/m,
    /^notify\s+successful \(exit 0\)$/m,
    /^\[notify\s*\] tests failed on run 1; telling Grace$/m,
    /^deploy\s+skipped/m,
    /^Run #1 failed/m,
    /^As designed: test failed on purpose/m,
  ])
    assert.match(out, expected, `${expected}\n${out}`);
  // Each task's output is shown before its verdict.
  const lineOf = (re: RegExp) => out.split('\n').findIndex((l) => re.test(l));
  for (const [log, verdict] of [
    [/^\[greet\s*\] greeting sent$/, /^greet\s+successful/],
    [/^\[test\s*\] check 3 failed$/, /^test\s+failed/],
    [/^\[notify\s*\] tests failed/, /^notify\s+successful/],
  ] as const) {
    assert.ok(lineOf(log) >= 0 && lineOf(log) < lineOf(verdict), `${log} before ${verdict}\n${out}`);
  }
}

test('the demo is built (npm run demo builds first; npm test too)', () => {
  assert.ok(existsSync(join(ROOT, 'core/dist/cli/live-run-view.js')), 'run `npm run build` first');
});

test('the demo runs on the local-process scheduler and says so', async () => {
  const { code, out } = await demo({ GOFER_DEMO_SCHEDULER: 'process', GREETING_NAME: 'Grace' });
  assert.is(code, 0, out);
  assert.match(out, 'Scheduler: process (GOFER_DEMO_SCHEDULER=process)');
  assertDemoOutput(out);
});

test('with a Docker engine and the test image, the demo picks Docker on its own and says why', async () => {
  if (!(await dockerAvailable())) return;
  const { code, out } = await demo({ GREETING_NAME: 'Grace', GOFER_DEMO_SCHEDULER: '' });
  assert.is(code, 0, out);
  assert.match(
    out,
    /^Scheduler: (docker \(a Docker engine answers and gofer-test\/busybox:latest is present\)|process \(a Docker engine answers but the image)/m,
  );
  assertDemoOutput(out);
});

test.run();
