/**
 * Live streams of the REAL service over Server-Sent Events: following a running task's logs
 * receives its lines while it runs (the task blocks until the test has seen the first line),
 * then an `end` event; following events receives the run's events live.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFrame, type SseEvent } from '../../core/src/cli/api-client.js';
import { api, pipelineConfig, startServiceProcess, waitForFileSh, type RunningService } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let svc: RunningService;
let m: ReturnType<typeof api>;

test.before(async () => {
  svc = await startServiceProcess();
  m = api(svc.url, svc.token);
});

test.after(async () => {
  await svc?.stop();
});

/** Reads SSE messages from a fetch response, one at a time. */
function reader(res: Response): () => Promise<SseEvent | undefined> {
  const it = (res.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let buffer = '';
  return async () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const msg = parseFrame(frame);
        if (msg) return msg;
        continue;
      }
      const next = await it.next();
      if (next.done) return undefined;
      buffer += decoder.decode(next.value, { stream: true });
    }
  };
}

test('task logs with follow=true stream a running task, then end', async () => {
  const go = join(svc.dataDir, 'go-logs');
  const config = pipelineConfig('sse-logs', [
    { id: 'talker', command: ['sh', '-c', `echo first line; ${waitForFileSh(go)}; echo second line; echo third line`] },
  ]);
  assert.is((await m('POST', '/api/pipelines', { config })).status, 201);
  const run = (await m('POST', '/api/pipelines/sse-logs/runs', {})).json as { runId: number };
  const taskPath = `/api/pipelines/sse-logs/runs/${run.runId}/tasks/talker`;
  await waitFor('the task to run', async () => (await m('GET', taskPath)).json?.state === 'running');

  const res = await fetch(`${svc.url}${taskPath}/logs?follow=true`, { headers: { authorization: `Bearer ${svc.token}` } });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/event-stream');
  const next = reader(res);
  let text = '';
  while (!text.includes('first line\n')) {
    const msg = await next();
    assert.ok(msg, 'stream ended before the first line');
    if (msg.event === 'log') text += (msg.data as { text: string }).text;
  }
  // The first line arrived while the task is still blocked: it is live output.
  assert.is((await m('GET', taskPath)).json.state, 'running');
  assert.not.ok(existsSync(go));
  writeFileSync(go, '');

  let end: SseEvent | undefined;
  for (;;) {
    const msg = await next();
    if (!msg) break;
    if (msg.event === 'log') text += (msg.data as { text: string }).text;
    if (msg.event === 'end') end = msg;
  }
  assert.is(text, 'first line\nsecond line\nthird line\n');
  assert.ok(end, 'an end event closes the stream');
  assert.is((end.data as { status: string }).status, 'successful');
});

test('events with follow=true deliver stored then live events with ids', async () => {
  const before = (await m('GET', '/api/events')).json.items as Array<{ id: number }>;
  const after = before.length ? before[before.length - 1]!.id : 0;
  const ac = new AbortController();
  const res = await fetch(`${svc.url}/api/events?follow=true&after=${after}&types=run.completed`, {
    headers: { authorization: `Bearer ${svc.token}` },
    signal: ac.signal,
  });
  assert.is(res.status, 200);
  const next = reader(res);
  const config = pipelineConfig('sse-events', [{ id: 'quick', command: ['true'] }]);
  assert.is((await m('POST', '/api/pipelines', { config })).status, 201);
  const run = (await m('POST', '/api/pipelines/sse-events/runs', {})).json as { runId: number };
  // The earlier test's run may complete after `after` was read (a run completes once its
  // containers are removed, after its log ended): its event is live too, and skipped here.
  type Event = { id: number; type: string; payload: { pipelineId: string; runId: number } };
  let msg: Awaited<ReturnType<typeof next>>;
  let event: Event | undefined;
  do {
    msg = await next();
    assert.ok(msg, 'the stream ended before the run completed');
    assert.is(msg.event, 'event');
    event = msg.data as Event;
  } while (event.payload.pipelineId !== 'sse-events');
  ac.abort();
  assert.is(event.type, 'run.completed');
  assert.equal([event.payload.pipelineId, event.payload.runId], ['sse-events', run.runId]);
  assert.is(msg.id, String(event.id));
  assert.ok(event.id > after);
});

test('a follower is cut off cleanly when the service shuts down', async () => {
  const res = await fetch(`${svc.url}/api/events?follow=true`, { headers: { authorization: `Bearer ${svc.token}` } });
  const next = reader(res);
  const stopping = svc.stop();
  // Drain until the server ends the stream; it must not keep the service alive.
  for (;;) if (!(await next().catch(() => undefined))) break;
  assert.is(await stopping, 0, 'graceful shutdown exits 0');
});

test.run();
