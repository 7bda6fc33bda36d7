/**
 * The UI's log and stream parsing, without a browser: a log split into chunks anywhere (inside a
 * line, a CRLF, an escape code, a UTF-8 character) gives the same lines as the whole text; colours
 * carry over lines like a terminal's; carriage returns overwrite; the event-stream parser reads
 * frames split anywhere. Seeded random splits make every failure replayable.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lineText } from '../../ui/src/log/ansi.js';
import { LogBuffer } from '../../ui/src/log/log-buffer.js';
import { readEventStream } from '../../ui/src/api/sse.js';

/** A small seeded PRNG (mulberry32), so a failing split can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function splitAnywhere(text: string, rnd: () => number): string[] {
  const parts: string[] = [];
  let at = 0;
  while (at < text.length) {
    const n = 1 + Math.floor(rnd() * 12);
    parts.push(text.slice(at, at + n));
    at += n;
  }
  return parts;
}

const lines = (b: LogBuffer) => Array.from({ length: b.lineCount }, (_, i) => b.text(i));

const SAMPLE =
  'plain line\r\n\x1b[31mred\x1b[0m and \x1b[1;32mbold green\x1b[0m\nprogress 10%\rprogress 100%\n\x1b[33myellow across\nlines\x1b[0m\nend without newline';

test('chunks split anywhere give the lines of the whole text', () => {
  const whole = new LogBuffer();
  whole.append(SAMPLE);
  whole.finish();
  const expected = ['plain line', 'red and bold green', 'progress 100%', 'yellow across', 'lines', 'end without newline'];
  assert.equal(lines(whole), expected);
  for (let seed = 1; seed <= 200; seed++) {
    const b = new LogBuffer();
    for (const part of splitAnywhere(SAMPLE, random(seed))) b.append(part);
    b.finish();
    assert.equal(lines(b), expected, `seed ${seed}`);
  }
});

test('colours become segments with classes, and carry over to the next line until a reset', () => {
  const b = new LogBuffer();
  b.append(SAMPLE);
  b.finish();
  const red = b.line(1);
  assert.ok(typeof red !== 'string');
  if (typeof red === 'string') return;
  assert.equal(
    red.segments.map((s: { text: string; className?: string }) => [s.text, s.className ?? '']),
    [
      ['red', 'ansi-red-fg'],
      [' and ', ''],
      ['bold green', 'ansi-green-fg ansi-bold'],
    ],
  );
  const carried = b.line(4); // "lines": still yellow from the line before
  assert.ok(typeof carried !== 'string' && carried.segments[0]!.className === 'ansi-yellow-fg');
  assert.is(typeof b.line(5), 'string', 'after the reset, plain again');
});

test('256-colour and true-colour codes become CSS colours; other escapes are dropped', () => {
  const b = new LogBuffer();
  b.append('\x1b[38;5;196mpalette\x1b[0m \x1b[38;2;10;20;30mtrue\x1b[0m\n\x1b]0;title\x07after osc\n\x1b[2Kcleared\n');
  b.finish();
  const first = b.line(0);
  assert.ok(typeof first !== 'string');
  if (typeof first === 'string') return;
  assert.is(first.segments[0]!.color, 'rgb(255, 0, 0)');
  assert.is(first.segments[2]!.color, 'rgb(10, 20, 30)');
  assert.is(lineText(b.line(1)), 'after osc');
  assert.is(lineText(b.line(2)), 'cleared');
});

test('the growing last line shows without its escape codes until it is complete', () => {
  const b = new LogBuffer();
  b.append('done\n\x1b[3');
  assert.is(b.lineCount, 2);
  assert.is(b.text(1), '');
  b.append('2mhal');
  assert.is(b.text(1), 'hal');
  b.append('f\x1b[0m\n');
  assert.is(b.lineCount, 2);
  assert.is(b.text(1), 'half');
});

test('search finds matching lines, case-insensitive, and goes on from its last result as the log grows', () => {
  const b = new LogBuffer();
  for (let i = 0; i < 1000; i++) b.append(`line ${i}${i % 100 === 0 ? ' ERROR' : ''}\n`);
  const first = b.search('error');
  assert.equal(first.hits, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  assert.equal(b.search('').hits, []);
  // A live log grows: the next search scans only the new lines, and finds what a full one does.
  b.append('line 1000 ERROR\nline 1001\npartial ERR');
  const next = b.search('error', 10_000, first);
  assert.equal(next.hits, [...first.hits, 1000]);
  b.append('OR done\n');
  assert.equal(b.search('error', 10_000, next).hits, b.search('error').hits);
  assert.equal(b.search('error').hits.slice(-2), [1000, 1002]);
});

test('the event-stream parser reads frames split anywhere, UTF-8 included', async () => {
  const frames = ': stream open\n\nevent: log\ndata: {"text":"héllo ✓\\n"}\n\nid: 7\nevent: event\ndata: {"a":1}\r\n\r\nevent: end\ndata: one\ndata: two\n\n';
  const bytes = new TextEncoder().encode(frames);
  for (let seed = 1; seed <= 100; seed++) {
    const rnd = random(seed);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const n = 1 + Math.floor(rnd() * 9);
      chunks.push(bytes.slice(at, at + n));
      at += n;
    }
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    });
    const got = [];
    for await (const m of readEventStream(body)) got.push(m);
    assert.equal(
      got,
      [
        { event: 'log', data: '{"text":"héllo ✓\\n"}' },
        { event: 'event', data: '{"a":1}', id: '7' },
        { event: 'end', data: 'one\ntwo', id: '7' },
      ],
      `seed ${seed}`,
    );
  }
});

test.run();
