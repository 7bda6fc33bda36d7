import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogChunk } from '@gofer/core/api';
import { LiveLog } from '../src/live-log.js';

const chunk = (text: string, stream: LogChunk['stream'] = 'stdout'): LogChunk => ({ stream, data: Buffer.from(text) });
const text = (chunks: LogChunk[]) => chunks.map((c) => Buffer.from(c.data).toString()).join('');

async function drain(iterable: AsyncIterable<LogChunk>): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  for await (const c of iterable) out.push(c);
  return out;
}

test('a reader that arrives after start gets everything from the first byte, then follows live', async () => {
  const log = new LiveLog({ capBytes: 1000 });
  log.push(chunk('a'));
  log.push(chunk('b', 'stderr'));
  assert.ok(log.fromStart);
  const reading = drain(log.read());
  log.push(chunk('c'));
  log.end();
  const got = await reading;
  assert.is(text(got), 'abc');
  assert.equal(
    got.map((c) => c.stream),
    ['stdout', 'stderr', 'stdout'],
  );
});

test('once readers follow, what they all passed is dropped and fromStart turns false', async () => {
  const log = new LiveLog({ capBytes: 1000 });
  const iterator = log.read()[Symbol.asyncIterator]();
  log.push(chunk('ab'));
  assert.is(text([(await iterator.next()).value as LogChunk]), 'ab');
  log.push(chunk('cd')); // the reader passed "ab": it goes
  assert.not.ok(log.fromStart);
  log.end();
  assert.is(text([(await iterator.next()).value as LogChunk]), 'cd');
  assert.ok((await iterator.next()).done);
  assert.ok(log.idle);
});

test('unread bytes over the high-water mark pause the producer until the reader drains them', async () => {
  const events: boolean[] = [];
  const log = new LiveLog({ capBytes: 1000, highWaterBytes: 4, onPressure: (pause) => events.push(pause) });
  const iterator = log.read()[Symbol.asyncIterator]();
  log.push(chunk('abc'));
  log.push(chunk('def')); // 6 unread > 4
  assert.equal(events, [true]);
  assert.is(text([(await iterator.next()).value as LogChunk]), 'abc');
  assert.is(text([(await iterator.next()).value as LogChunk]), 'def');
  const waiting = iterator.next(); // caught up: drops what was read, resumes
  assert.equal(events, [true, false]);
  log.end();
  assert.ok((await waiting).done);
});

test('past the cap with no reader, the buffer is abandoned (the producer is told to stop)', () => {
  let abandoned = false;
  const log = new LiveLog({
    capBytes: 2,
    onAbandon: () => {
      abandoned = true;
    },
  });
  log.push(chunk('abc'));
  assert.ok(abandoned);
  assert.not.ok(log.fromStart);
});

test('without onAbandon, nothing is dropped before the first reader arrives', async () => {
  const log = new LiveLog({ capBytes: 0 });
  log.push(chunk('x'));
  log.push(chunk('y'));
  log.end();
  assert.is(text(await drain(log.read())), 'xy');
});

test('a failure ends readers with that error', async () => {
  const log = new LiveLog({ capBytes: 10 });
  log.push(chunk('x'));
  log.end(new Error('engine went away'));
  try {
    await drain(log.read());
    assert.unreachable();
  } catch (err) {
    assert.match(String(err), /engine went away/);
  }
});

test.run();
