/** Task logs: stored per task execution, followed live, secret values masked across chunks. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task } from '@gofer/core';
import { SecretMasker } from '../../core/src/api/secret-masker.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';
const KEY = 'a3f1c2e4b5d6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90';
const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');

async function collect(iterable: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Uint8Array[] = [];
  for await (const c of iterable) out.push(c);
  return text(out);
}

function maskAll(secrets: string[], chunks: string[]): string {
  const m = new SecretMasker(secrets);
  return Buffer.concat([...chunks.map((c) => m.push(Buffer.from(c))), m.flush()]).toString('utf8');
}

test('masker: a secret split across chunk boundaries at every position is masked', () => {
  const secret = 'hunter2-secret';
  const stream = `before ${secret} middle ${secret}after`;
  for (let cut = 1; cut < stream.length; cut++) {
    for (let cut2 = cut + 1; cut2 < stream.length; cut2 += 5) {
      const out = maskAll([secret], [stream.slice(0, cut), stream.slice(cut, cut2), stream.slice(cut2)]);
      assert.is(out, 'before ******** middle ********after', `cuts ${cut}/${cut2}`);
    }
  }
});

test('masker: one byte at a time, multi-line values whole and line by line', () => {
  const pem = '-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEEFFFF\n-----END KEY-----';
  const stream = `key:\n${pem}\nline only: DDDDEEEEFFFF\n`;
  const out = maskAll([pem], [...stream]);
  assert.not.ok(out.includes('AAAABBBBCCCC'));
  assert.not.ok(out.includes('DDDDEEEEFFFF'));
  assert.is(out, 'key:\n********\nline only: ********\n');
});

test('masker: without secrets the output passes through untouched, nothing held back', () => {
  const m = new SecretMasker([]);
  assert.is(m.push(Buffer.from('abc')).toString(), 'abc');
  const m2 = new SecretMasker(['xyz']);
  assert.is(m2.push(Buffer.from('abcx')).toString(), 'abc', 'only a possible secret prefix is held');
  assert.is(m2.push(Buffer.from('q')).toString(), 'xq');
});

test('task output is stored per task execution with secrets masked, readable after the run', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-logs-test-'));
  const scheduler = new FakeScheduler()
    .script('talker', { output: ['hello\n', 'pass=hun', 'ter2\n', { stream: 'stderr', data: 'err line\n' }] })
    .script('quiet', {});
  const { gofer } = await goferWithFake({ scheduler, config: { dataDir, secretKey: KEY } });
  try {
    await gofer.pipelines.register(
      new Pipeline('logs', 'x').tasks(new Task('talker', IMG).variable('PASS', 'pipeline_secret{{pass}}'), new Task('quiet', IMG)).build(),
    );
    await gofer.secrets.put({ pipelineId: 'logs' }, 'pass', 'hunter2');
    await gofer.runs.wait('logs', (await gofer.runs.start('logs')).runId);
    const log = await collect(gofer.tasks.logs('logs', 1, 'talker'));
    assert.is(log, 'hello\npass=********\nerr line\n');
    assert.is(readFileSync(join(dataDir, 'logs', 'logs', '1', 'talker.log'), 'utf8'), log, 'one file per task execution');
    assert.is(await collect(gofer.tasks.logs('logs', 1, 'quiet')), '');
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('follow yields live output while the task runs and ends when it completes', async () => {
  const scheduler = new FakeScheduler().script('live', { hang: true, output: ['first\n'] });
  const { gofer } = await goferWithFake({ scheduler });
  try {
    await gofer.pipelines.register(new Pipeline('follow', 'x').tasks(new Task('live', IMG)).build());
    const run = await gofer.runs.start('follow');
    await waitFor('scheduler.containers.size === 1', () => scheduler.containers.size === 1);
    const container = [...scheduler.containers.values()][0]!;
    const seen: string[] = [];
    const following = (async () => {
      for await (const c of gofer.tasks.logs('follow', run.runId, 'live', { follow: true })) seen.push(Buffer.from(c).toString());
    })();
    await waitFor('first chunk', () => seen.join('') === 'first\n');
    container.chunks.push({ stream: 'stdout', data: new TextEncoder().encode('second\n') });
    for (const wake of container.wake) wake();
    await waitFor('live chunk', () => seen.join('') === 'first\nsecond\n');
    scheduler.finish(container.schedulerId, 0);
    await following;
    assert.is(seen.join(''), 'first\nsecond\n');
  } finally {
    await gofer.close();
  }
});

test('log retention keeps the files of the last logRetentionRuns runs', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-logs-test-'));
  const scheduler = new FakeScheduler({ output: ['x\n'] });
  const { gofer } = await goferWithFake({ scheduler, config: { dataDir, logRetentionRuns: 2 } });
  try {
    await gofer.pipelines.register(new Pipeline('retention', 'x').tasks(new Task('aaa', IMG)).build());
    for (let i = 0; i < 4; i++) await gofer.runs.wait('retention', (await gofer.runs.start('retention')).runId);
    assert.equal(readdirSync(join(dataDir, 'logs', 'retention')).sort(), ['3', '4']);
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('log retention after a restart: the runs ended before it count towards the window', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-logs-test-'));
  const scheduler = new FakeScheduler({ output: ['x\n'] });
  const folders = () => readdirSync(join(dataDir, 'logs', 'retention')).sort((a, b) => Number(a) - Number(b));
  let { gofer } = await goferWithFake({ scheduler, config: { dataDir, logRetentionRuns: 10 } });
  try {
    await gofer.pipelines.register(new Pipeline('retention', 'x').tasks(new Task('aaa', IMG)).build());
    for (let i = 0; i < 3; i++) await gofer.runs.wait('retention', (await gofer.runs.start('retention')).runId);
    await gofer.close();
    ({ gofer } = await goferWithFake({ scheduler, config: { dataDir, logRetentionRuns: 4 } }));
    assert.equal(folders(), ['1', '2', '3']);
    // The fourth ended run fills the window; each one after it pushes the oldest out.
    for (let i = 0; i < 3; i++) await gofer.runs.wait('retention', (await gofer.runs.start('retention')).runId);
    assert.equal(folders(), ['3', '4', '5', '6']);
  } finally {
    await gofer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
