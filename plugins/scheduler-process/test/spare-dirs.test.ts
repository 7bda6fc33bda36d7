import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  closeSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StartContainerRequest } from '@gofer/core/api';
import { ProcessScheduler } from '../src/index.js';
import { SpareDirs } from '../src/spare-dirs.js';
import { collect, tempDir, testContext, waitForEnd } from '@gofer/testkit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const req = (id: string, command: string[]): StartContainerRequest => ({ id, image: 'none', variables: {}, secrets: {}, command, labels: {} });

/** An execution directory as a task leaves it: the wrapper's files, an output, and something of the task's. */
function executionDir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(join(dir, 'made-by-the-task'), { recursive: true });
  for (const file of ['meta.json', 'stdout', 'stderr', 'exit', 'output', 'cancelled']) writeFileSync(join(dir, file), `${file} of ${name}`);
  return dir;
}

test('a given directory leaves its place at once and comes back holding only new, empty meta.json, stdout, stderr and exit', async () => {
  const root = tempDir('gofer-spares');
  const spares = new SpareDirs(join(root, 'spares'));
  const dir = executionDir(root, 'a');
  const inodeOf = (path: string) => statSync(path).ino;
  const before = { dir: inodeOf(dir), stdout: inodeOf(join(dir, 'stdout')), stderr: inodeOf(join(dir, 'stderr')) };
  // A process the task left behind, still holding its stdout and stderr open (which also keeps
  // their inodes from being reused for the new files).
  const leftover = [openSync(join(dir, 'stdout'), 'a'), openSync(join(dir, 'stderr'), 'a')];
  assert.ok(spares.give(dir));
  assert.not.ok(existsSync(dir));
  await spares.settled();
  const next = join(root, 'b');
  assert.ok(spares.take(next));
  assert.is(inodeOf(next), before.dir, 'the same directory');
  assert.equal(readdirSync(next).sort(), ['exit', 'meta.json', 'stderr', 'stdout']);
  for (const file of readdirSync(next)) assert.is(readFileSync(join(next, file), 'utf8'), '', file);
  // New files: what the leftover process writes does not reach the next task's logs.
  assert.is.not(inodeOf(join(next, 'stdout')), before.stdout);
  assert.is.not(inodeOf(join(next, 'stderr')), before.stderr);
  for (const fd of leftover) writeSync(fd, 'written late by a leftover process');
  for (const file of ['stdout', 'stderr']) assert.is(readFileSync(join(next, file), 'utf8'), '', `${file} after a late write`);
  for (const fd of leftover) closeSync(fd);
  assert.not.ok(spares.take(join(root, 'c')), 'the pool had one directory');
  await spares.close();
});

test('a file there that is a link is deleted, not followed: what it points to is untouched', async () => {
  const root = tempDir('gofer-spares-links');
  const spares = new SpareDirs(join(root, 'spares'));
  const elsewhere = join(root, 'precious');
  writeFileSync(elsewhere, 'keep me');
  const dir = join(root, 'a');
  mkdirSync(dir);
  symlinkSync(elsewhere, join(dir, 'exit'));
  writeFileSync(`${elsewhere}-2`, 'keep me too');
  // A second name for a file elsewhere (a hard link) is not truncated either.
  linkSync(`${elsewhere}-2`, join(dir, 'meta.json'));
  assert.ok(spares.give(dir));
  await spares.settled();
  assert.ok(spares.take(join(root, 'b')));
  assert.is(readFileSync(elsewhere, 'utf8'), 'keep me');
  assert.is(readFileSync(`${elsewhere}-2`, 'utf8'), 'keep me too');
  for (const file of ['exit', 'meta.json']) assert.ok(lstatSync(join(root, 'b', file)).isFile() && lstatSync(join(root, 'b', file)).nlink === 1, file);
  await spares.close();
});

test('close deletes the pool and takes no more; a pool left by a process that is gone is deleted by the next instance', async () => {
  const root = tempDir('gofer-spares-close');
  const parent = join(root, 'spares');
  const abandoned = join(parent, '999999999-dead');
  executionDir(abandoned, '0');
  const spares = new SpareDirs(parent);
  assert.ok(spares.give(executionDir(root, 'a')));
  await spares.close();
  assert.not.ok(spares.give(executionDir(root, 'b')));
  assert.ok(existsSync(join(root, 'b')));
  for (let i = 0; i < 100 && existsSync(abandoned); i++) await sleep(10);
  assert.equal(readdirSync(parent), []);
});

test('the scheduler reuses a removed execution: a process the earlier task left behind writes nothing into the new logs, and a kill there still records 137', async () => {
  const dataDir = tempDir('gofer-process-spares');
  const scheduler = new ProcessScheduler(testContext('process', dataDir));
  // The task ends at once; the subshell it left behind writes a moment later, to the stdout and stderr it inherited.
  const first = await scheduler.startContainer(req('p_first', ['/bin/sh', '-c', '(sleep 0.5; echo late; echo late >&2) & echo early']));
  assert.is((await collect(await scheduler.getLogs(first))).stdout, 'early\n');
  assert.equal(await waitForEnd(scheduler, first.schedulerId), { state: 'exited', exitCode: 0 });
  const dir = (id: string) => join(dataDir, 'executions', id);
  const inode = statSync(dir(first.schedulerId)).ino;
  await scheduler.removeContainer(first);
  // Wait until the directory is ready in the pool (its new stdout is there).
  const pools = join(dataDir, 'spare-executions');
  const ready = () =>
    existsSync(pools) && readdirSync(pools).some((pool) => readdirSync(join(pools, pool)).some((spare) => existsSync(join(pools, pool, spare, 'stderr'))));
  for (let i = 0; i < 200 && !ready(); i++) await sleep(10);
  await sleep(50);

  const second = await scheduler.startContainer(req('p_second', ['/bin/sh', '-c', 'sleep 1; echo second']));
  assert.is(statSync(dir(second.schedulerId)).ino, inode, 'the directory was reused');
  const logs = await collect(await scheduler.getLogs(second));
  assert.equal([logs.stdout, logs.stderr], ['second\n', '']);
  assert.equal(await waitForEnd(scheduler, second.schedulerId), { state: 'exited', exitCode: 0 });
  await scheduler.removeContainer(second);
  for (let i = 0; i < 200 && !ready(); i++) await sleep(10);
  await sleep(50);

  // TERM is ignored, so the stop kills it: the code is recorded in the reused (empty) exit file.
  const third = await scheduler.startContainer(req('p_third', ['/bin/sh', '-c', 'trap "" TERM; sleep 30']));
  assert.is(statSync(dir(third.schedulerId)).ino, inode, 'the directory was reused again');
  await sleep(100); // the trap is set
  await scheduler.stopContainer({ schedulerId: third.schedulerId, timeoutMs: 200 });
  assert.equal(await scheduler.getState(third), { state: 'cancelled', exitCode: 137 });
  assert.equal(readFileSync(join(dir(third.schedulerId), 'exit'), 'utf8'), '137\n');
  await scheduler.removeContainer(third);
  await scheduler.close();
  assert.not.ok(existsSync(pools) && readdirSync(pools).length > 0, 'close deleted the pool');
});

test.run();
