/**
 * The file-drop extension, tested with the extension harness of @gofer/testkit: no Gofer core,
 * a real temporary folder, and the runs it asked for read from the fake context.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startExtension, tempDir } from '@gofer/testkit';
import fileDrop from '../src/index.js';

/** Waits until `done()` holds (the extension polls every 10 ms); fails after 10 s. */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a new file starts one run with its path; files there before do not', async () => {
  const dir = tempDir('file-drop');
  await writeFile(join(dir, 'old.csv'), 'a,b\n');
  const ext = await startExtension(fileDrop, { pollMs: 10 });
  try {
    await ext.subscribe({ dir });
    await writeFile(join(dir, 'new.csv'), 'c,d\n');
    await until('a run', () => ext.ctx.started.length > 0);

    const [run] = ext.ctx.started;
    assert.is(run!.subscriptionId, 's1');
    assert.equal(run!.variables, { DROPPED_FILE: join(dir, 'new.csv') });
    assert.is(run!.eventId, 'new.csv');
    assert.match(run!.reason, /file new\.csv appeared/);
  } finally {
    await ext.close();
  }
  assert.is(ext.ctx.started.length, 1, 'old.csv started nothing, new.csv one run');
});

test('after a restart, only files not seen before start runs', async () => {
  const dir = tempDir('file-drop');
  const state = new Map<string, string>();
  const before = await startExtension(fileDrop, { pollMs: 10 }, { state });
  await before.subscribe({ dir }, { subscriptionId: 'sub-1' });
  await writeFile(join(dir, 'one.txt'), '1');
  await until('the first run', () => before.ctx.started.length === 1);
  await before.close();

  // The same state: what the core keeps for the extension across a restart.
  const after = await startExtension(fileDrop, { pollMs: 10 }, { state });
  try {
    await after.subscribe({ dir }, { subscriptionId: 'sub-1' });
    await writeFile(join(dir, 'two.txt'), '2');
    await until('the second run', () => after.ctx.started.length === 1);
    assert.is(after.ctx.started[0]!.variables.DROPPED_FILE, join(dir, 'two.txt'));
  } finally {
    await after.close();
  }
});

test('a subscription without a folder is refused with a fix', async () => {
  const ext = await startExtension(fileDrop, {});
  try {
    await ext.subscribe({});
    assert.unreachable('should refuse');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_INVALID_ARGUMENT');
    assert.match((err as Error).message, /"dir"/);
  } finally {
    await ext.close();
  }
});

test.run();
