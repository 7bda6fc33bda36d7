/**
 * gofer.close() releases every handle even while a task is running and its logs are followed,
 * so a host process exits on its own (the run keeps its state and resumes on the next start).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerAvailable } from '../helpers/docker.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gofer-close-'));
const suffix = `${process.pid}`;

// The task must outlive the host's 15 s hang guard, or a leaked poller would end with it.
async function hostExitsOnItsOwn(scheduler: string, script: string): Promise<void> {
  const { stdout } = await run(
    process.execPath,
    [
      '--conditions=gofer-source',
      '--import',
      'tsx',
      'test/fixtures/hosts/close-mid-run.ts',
      scheduler,
      join(work, scheduler),
      `close-${scheduler}-${suffix}`,
      script,
    ],
    { cwd: repo, timeout: 90_000 },
  ).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
    throw new Error(`host exited with ${err.code}: ${err.stdout}${err.stderr}`);
  });
  assert.equal(stdout.trim().split('\n').at(-1), 'closed', stdout);
}

test('process scheduler: the host exits on its own after close() mid-run', async () => {
  const gate = join(work, 'release-process-task');
  try {
    await hostExitsOnItsOwn('process', `echo started; while [ ! -e ${gate} ]; do sleep 0.2; done`);
  } finally {
    writeFileSync(gate, ''); // the detached task ends by itself once the gate exists
  }
});

test('docker scheduler: the host exits on its own after close() mid-run', async () => {
  if (!(await dockerAvailable())) return;
  await hostExitsOnItsOwn('docker', 'echo started; sleep 40');
});

test.after(() => {
  // The task containers outlive the host by design (they resume on the next start): remove ours.
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=gofer.pipeline=close-docker-${suffix}`], { encoding: 'utf8' }).trim();
  if (ids) execFileSync('docker', ['rm', '-f', ...ids.split('\n')]);
  // The process task sees its gate within 0.2 s; give it a moment before its folder goes.
  setTimeout(() => rmSync(work, { recursive: true, force: true }), 1000);
});
test.run();
