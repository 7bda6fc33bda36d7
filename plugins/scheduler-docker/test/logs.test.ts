import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { makeScheduler, readLogs, removeTestContainers, request, waitForEnd } from './docker-test-kit.js';

const available = await dockerAvailable();

/** sha256 and length of `seq 1 count`. */
function seqDigest(count: number): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  let bytes = 0;
  let piece = '';
  for (let i = 1; i <= count; i++) {
    piece += `${i}\n`;
    if (piece.length > 65_536) {
      hash.update(piece);
      bytes += piece.length;
      piece = '';
    }
  }
  hash.update(piece);
  return { bytes: bytes + piece.length, sha256: hash.digest('hex') };
}

if (available) {
  test.after(() => removeTestContainers());

  test('output past liveLogBufferBytes with no reader yet is still read whole (from the engine)', async () => {
    const scheduler = makeScheduler({ liveLogBufferBytes: 1024 });
    const { schedulerId } = await scheduler.startContainer(request('late-reader', ['sh', '-c', 'seq 1 20000; echo end >&2']));
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
    const logs = await readLogs(scheduler, schedulerId);
    const expected = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
    assert.is(logs.stdout, expected);
    assert.is(logs.stderr, 'end\n');
  });

  test('a reader that stalls for a while (the attach stream is paused) loses nothing', async () => {
    const scheduler = makeScheduler();
    const count = 2_500_000; // about 18 MB, over the 8 MB high-water mark
    const { schedulerId } = await scheduler.startContainer(request('slow-reader', ['seq', '1', String(count)]));
    const hash = createHash('sha256');
    let bytes = 0;
    let stalled = false;
    for await (const chunk of await scheduler.getLogs({ schedulerId })) {
      hash.update(chunk.data);
      bytes += chunk.data.byteLength;
      if (!stalled && bytes > 1_000_000) {
        stalled = true;
        await new Promise((r) => setTimeout(r, 1500)); // the container keeps writing meanwhile
      }
    }
    assert.equal({ bytes, sha256: hash.digest('hex') }, seqDigest(count));
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
  });
}

test.run();
