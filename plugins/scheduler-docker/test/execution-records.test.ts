/** The scheduler's container records: overlapping writes of one record all succeed, whole. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExecutionRecords } from '../src/execution-records.js';

test('overlapping writes of the same record do not fail, and leave one whole record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-records-'));
  try {
    const records = new ExecutionRecords(dir);
    await records.put({ name: 'c1', image: 'img', startedAt: 1 });
    // Removal after exit and a stop can update one container's record at the same moment.
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? records.update('c1', { cancelled: true }) : records.update('c1', { final: { state: 'exited', exitCode: i } }))));
    const record = await records.get('c1');
    assert.is(record?.name, 'c1');
    assert.is(record?.image, 'img');
    assert.equal(readdirSync(join(dir, 'containers')), ['c1.json'], 'no temporary file is left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
