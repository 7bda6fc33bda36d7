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
    // Two stops of one container (a cancel and a timeout, say) write its record at the same moment.
    await Promise.all(Array.from({ length: 20 }, (_, i) => records.put({ name: 'c1', image: 'img', startedAt: 1, cancelled: i % 2 === 0 })));
    const record = await records.get('c1');
    assert.is(record?.name, 'c1');
    assert.is(record?.image, 'img');
    assert.equal(readdirSync(join(dir, 'containers')), ['c1.json'], 'no temporary file is left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
