/**
 * Where the process scheduler keeps outputs and workspaces (the contract suite checks the
 * behaviour every scheduler shares): `$GOFER_OUTPUT` in the execution's directory, the
 * workspace a directory under the data directory and the task's working directory, and an
 * output that is not a regular file read as none.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { StartContainerRequest } from '@gofer/core/api';
import { collect, tempDir, testContext, waitForEnd } from '@gofer/testkit';
import { ProcessScheduler } from '../src/index.js';

const dataDir = tempDir('gofer-process-outputs');
const ctx = testContext('process', dataDir);
const scheduler = new ProcessScheduler(ctx, { cwd: tempDir('gofer-process-cwd') });

const req = (id: string, script: string, more: Partial<StartContainerRequest> = {}): StartContainerRequest => ({
  id,
  image: 'unused:1',
  variables: { PATH: '/usr/bin:/bin' },
  secrets: {},
  command: ['/bin/sh', '-c', script],
  labels: { 'gofer.test': 'process-outputs' },
  ...more,
});

async function run(id: string, script: string, more: Partial<StartContainerRequest> = {}) {
  const { schedulerId } = await scheduler.startContainer(req(id, script, more));
  const logs = await collect(await scheduler.getLogs({ schedulerId }));
  return { schedulerId, logs, status: await waitForEnd(scheduler, schedulerId) };
}

test.after(async () => {
  for (const { schedulerId } of await scheduler.listContainers({ labels: { 'gofer.test': 'process-outputs' } }))
    await scheduler.removeContainer({ schedulerId });
});

test('GOFER_OUTPUT is the file `output` in the execution directory, removed with the execution; a task variable of that name does not win', async () => {
  const { schedulerId, logs } = await run('p_out_1', 'printf %s "$GOFER_OUTPUT"; echo K=v > "$GOFER_OUTPUT"', {
    variables: { GOFER_OUTPUT: '/tmp/elsewhere' },
  });
  const file = join(dataDir, 'executions', schedulerId, 'output');
  assert.is(logs.stdout, file);
  assert.is(new TextDecoder().decode(await scheduler.readOutputs({ schedulerId, maxBytes: 100 })), 'K=v\n');
  await scheduler.removeContainer({ schedulerId });
  assert.not.ok(existsSync(file));
});

test('a workspace is <dataDir>/workspaces/<id>, made at start, the working directory and GOFER_WORKSPACE (instead of the cwd setting)', async () => {
  const { logs, status } = await run('p_ws_1', 'pwd -P; printf "%s\\n" "$GOFER_WORKSPACE"; touch here', { workspace: { id: 'pipe_1_abc' } });
  assert.equal(status, { state: 'exited', exitCode: 0 });
  const dir = join(dataDir, 'workspaces', 'pipe_1_abc');
  assert.is(logs.stdout, `${realpathSync(dir)}\n${dir}\n`);
  assert.ok(existsSync(join(dir, 'here')));
  await scheduler.removeWorkspace({ id: 'pipe_1_abc' });
  assert.not.ok(existsSync(dir));
});

test('an output that is a directory, a symlink or a FIFO is no output (with a warning), and reading it does not block', async () => {
  const target = join(tempDir('gofer-process-target'), 'secret');
  for (const [id, script] of [
    ['p_out_dir', 'mkdir "$GOFER_OUTPUT"; echo A=1 > "$GOFER_OUTPUT/x"'],
    ['p_out_link', `echo A=1 > ${target}; ln -s ${target} "$GOFER_OUTPUT"`],
    ['p_out_fifo', 'mkfifo "$GOFER_OUTPUT"'],
  ] as const) {
    const { schedulerId, status } = await run(id, script);
    assert.equal(status, { state: 'exited', exitCode: 0 }, id);
    assert.is(await scheduler.readOutputs({ schedulerId, maxBytes: 100 }), undefined, id);
  }
  assert.is(ctx.logger.entries.filter((e) => e.level === 'warn' && /GOFER_OUTPUT/.test(e.message)).length, 3);
});

test.run();
