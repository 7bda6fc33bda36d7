/**
 * Server-Sent Events on Fastify's raw reply keep backpressure: while a client does not read, the
 * producer waits for the socket to drain instead of buffering the stream in memory; once the
 * client reads again, every message arrives, in order.
 */
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SseStream } from '../../core/src/server/sse.js';
import { waitFor } from '../helpers/wait-for.js';

const MESSAGES = 200;
const TEXT = 'x'.repeat(256 * 1024);

test('a client that stops reading stalls the producer; resuming delivers every message', async () => {
  const producer = { sent: 0, waiting: false, buffered: 0, highWaterMark: 0, done: false };
  const app = Fastify();
  app.get('/stream', (_request, reply) => {
    reply.hijack();
    const sse = new SseStream<{ event: 'log'; data: { n: number; text: string } }>(reply.raw);
    void (async () => {
      for (let n = 0; n < MESSAGES; n++) {
        producer.waiting = true;
        await sse.send({ event: 'log', data: { n, text: TEXT } });
        producer.waiting = false;
        producer.sent = n + 1;
        producer.buffered = Math.max(producer.buffered, reply.raw.writableLength);
        producer.highWaterMark = reply.raw.writableHighWaterMark;
      }
      sse.end();
      producer.done = true;
    })();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const port = (app.server.address() as AddressInfo).port;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/stream' }, resolve).on('error', reject).end();
    });
    res.pause();
    // The socket and the kernel's buffers fill; then the producer must wait for a drain.
    await waitFor('the producer to wait for the paused client', async () => producer.waiting && producer.sent > 0 && !producer.done, { timeoutMs: 30_000 });
    const stalledAt = producer.sent;
    assert.ok(stalledAt < MESSAGES / 2, `the producer stalled after ${stalledAt} of ${MESSAGES} messages`);
    assert.ok(
      producer.buffered <= producer.highWaterMark + TEXT.length + 1024,
      `at most one message over the high-water mark is buffered (${producer.buffered})`,
    );

    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (body += chunk));
    const ended = new Promise<void>((resolve) => res.once('end', resolve));
    res.resume();
    await ended;
    const numbers = [...body.matchAll(/"n":(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(
      numbers,
      Array.from({ length: MESSAGES }, (_, i) => i),
      'every message, in order',
    );
    assert.ok(producer.done);
  } finally {
    await app.close();
  }
});

test.run();
