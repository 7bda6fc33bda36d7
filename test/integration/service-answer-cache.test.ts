/**
 * Kept answers of `GET /api/pipelines` and `GET /api/events` (server/answer-cache.ts) on a real
 * socket: a write through any path (the API, the typed API, a run's events, a retention delete
 * straight in SQL) is seen by the next read; a kept answer never reaches a token of another scope;
 * the ETag names the bytes, and If-None-Match gets 304 until they change. The events page, whose
 * payloads are spliced in as stored, is byte for byte `JSON.stringify` of the typed API's page.
 * Also: a revoked or expired token is refused at once, though its verification was kept.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachApiServer } from '../../core/src/server/start-service.js';
import type { GoferEventType } from '@gofer/core';
import { EVENT_STORE } from '../../core/src/events/event-store.js';
import { DATABASE } from '../../core/src/stores/database.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { api } from './service-harness.js';

const core = await goferWithFake();
const { gofer } = core;
const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
const m = api(server.address.url, tokens.bootstrap().secret);
const pipeline = (id: string, name = id) => ({ id, name, tasks: [{ id: 'only', image: 'img', command: ['true'] }] });

test.after(async () => {
  await gofer.close();
});

const ids = (res: { json: { items: Array<{ pipelineId: string }> } }) => res.json.items.map((p) => p.pipelineId);

test('pipelines: a write through the API or the typed API is in the next answer; ETag and 304 follow the bytes', async () => {
  await gofer.pipelines.register(pipeline('alpha'));
  const first = await m('GET', '/api/pipelines');
  assert.is(first.status, 200);
  assert.equal(ids(first), ['alpha']);
  const etag = first.headers.get('etag');
  assert.ok(etag, 'an ETag');
  assert.is(first.headers.get('cache-control'), 'private, no-cache', 'a browser asks again each time');
  const again = await m('GET', '/api/pipelines');
  assert.is(again.text, first.text);
  assert.is(again.headers.get('etag'), etag, 'the same bytes, the same ETag');
  const unchanged = await m('GET', '/api/pipelines', undefined, { 'if-none-match': etag });
  assert.is(unchanged.status, 304);
  assert.is(unchanged.text, '');
  assert.is(unchanged.headers.get('etag'), etag);
  assert.is((await m('GET', '/api/pipelines', undefined, { 'if-none-match': `W/${etag}, "other"` })).status, 304, 'a weak or listed tag matches');

  // Registered through the HTTP API.
  assert.is((await m('POST', '/api/pipelines', { config: pipeline('bravo') })).status, 201);
  const afterPost = await m('GET', '/api/pipelines', undefined, { 'if-none-match': etag });
  assert.is(afterPost.status, 200, 'the old ETag no longer matches');
  assert.equal(ids(afterPost), ['alpha', 'bravo']);
  assert.is.not(afterPost.headers.get('etag'), etag);

  // Disabled, renamed (a new version deployed), deleted through the typed API.
  await gofer.pipelines.disable('alpha');
  assert.is((await m('GET', '/api/pipelines')).json.items[0].state, 'disabled');
  await gofer.pipelines.register(pipeline('bravo', 'B renamed'));
  await gofer.pipelines.deploy('bravo', 2);
  assert.is((await m('GET', '/api/pipelines')).json.items[1].name, 'B renamed');
  await gofer.pipelines.delete('alpha');
  assert.equal(ids(await m('GET', '/api/pipelines')), ['bravo']);

  // Another query is another answer.
  assert.equal(ids(await m('GET', '/api/pipelines?after=bravo')), []);
  assert.equal(ids(await m('GET', '/api/pipelines')), ['bravo']);
});

test("pipelines: the page is byte for byte JSON.stringify of the typed API's page, for any text in a name or description", async () => {
  const text = `a "quoted" \\ line\nwith\ttabs, \u0001\u001f\u007f, ünïcode \u2028 and 🚀 ${String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i))}`;
  await gofer.pipelines.register({ ...pipeline('tricky', text), description: text });
  const check = async (query: string, opts: { limit: number; after?: string; namespace?: string }) => {
    const res = await m('GET', `/api/pipelines?${query}`);
    assert.is(res.status, 200, res.text);
    const items = await gofer.pipelines.list(opts);
    assert.is(res.text, JSON.stringify({ items, ...(items.length >= opts.limit ? { next: items.at(-1)!.pipelineId } : {}) }));
  };
  await check('limit=1000', { limit: 1000 });
  await check('limit=1', { limit: 1 });
  await check('limit=1&after=bravo', { limit: 1, after: 'bravo' });
  await check('namespace=default&limit=2', { namespace: 'default', limit: 2 });
  await check('after=zzz', { limit: 1000, after: 'zzz' });
  await gofer.pipelines.delete('tricky');
});

test("a kept answer never reaches another scope: a client token sees only its namespace's pipelines", async () => {
  assert.is((await m('POST', '/api/namespaces', { namespaceId: 'team' })).status, 201);
  assert.is((await m('POST', '/api/pipelines', { config: pipeline('team-1'), namespace: 'team' })).status, 201);
  const all = await m('GET', '/api/pipelines');
  assert.equal(ids(all), ['bravo', 'team-1']);
  const team = api(server.address.url, ((await m('POST', '/api/tokens', { kind: 'client', namespaces: ['team'] })).json as { secret: string }).secret);
  const other = api(server.address.url, ((await m('POST', '/api/tokens', { kind: 'client', namespaces: ['default'] })).json as { secret: string }).secret);
  for (let i = 0; i < 2; i++) {
    assert.equal(ids(await team('GET', '/api/pipelines')), ['team-1']);
    assert.equal(ids(await other('GET', '/api/pipelines')), ['bravo']);
    assert.equal(ids(await m('GET', '/api/pipelines')), ['bravo', 'team-1']);
  }
  // The management answer's ETag does not make a client's different answer a 304.
  assert.is((await team('GET', '/api/pipelines', undefined, { 'if-none-match': all.headers.get('etag')! })).status, 200);
  // Moving to another namespace's view is a write too.
  assert.is((await m('POST', '/api/pipelines', { config: pipeline('team-2'), namespace: 'team' })).status, 201);
  assert.equal(ids(await team('GET', '/api/pipelines')), ['team-1', 'team-2']);
  assert.equal(ids(await other('GET', '/api/pipelines')), ['bravo']);
});

test('a kept answer is not served to a caller whose token was revoked, or has expired', async () => {
  const made = (await m('POST', '/api/tokens', { kind: 'management', expiresInMs: 1500 })).json as { secret: string; token: { tokenId: string } };
  const short = api(server.address.url, made.secret);
  assert.is((await short('GET', '/api/pipelines')).status, 200);
  assert.is((await short('GET', '/api/pipelines')).status, 200, 'its verification and the answer are kept');
  await new Promise((r) => setTimeout(r, 1600));
  assert.is((await short('GET', '/api/pipelines')).status, 401, 'expired');

  const made2 = (await m('POST', '/api/tokens', { kind: 'client', namespaces: ['team'] })).json as { secret: string; token: { tokenId: string } };
  const revoked = api(server.address.url, made2.secret);
  assert.is((await revoked('GET', '/api/pipelines')).status, 200);
  assert.is((await revoked('GET', '/api/pipelines')).status, 200);
  assert.is((await m('DELETE', `/api/tokens/${made2.token.tokenId}`)).status, 204);
  assert.is((await revoked('GET', '/api/pipelines')).status, 401, 'revoked at once');
});

test("events: the page is byte for byte JSON.stringify of the typed API's page; a new event or a deletion is in the next answer", async () => {
  await gofer.pipelines.register(pipeline('quoted'));
  // A payload with text JSON escapes and numbers it rewrites, appended as the core appends events.
  const store = core.container.resolve(EVENT_STORE);
  const tricky = {
    pipelineId: 'quoted',
    text: 'a "quoted" \\ line\nwith ünïcode \u2028, \u0001 and 🚀',
    n: [1e21, -0, 0.1, 2 ** 53],
    o: { ['__proto__']: 1, '': null },
  };
  store.append({ type: 'pipeline.enabled', at: Date.now(), payload: tricky } as unknown as Parameters<typeof store.append>[0]);
  const page = async (query: string, limit: number, after?: number, types?: GoferEventType[]) => {
    const res = await m('GET', `/api/events?${query}`);
    assert.is(res.status, 200);
    const items = await gofer.events.list({ limit, ...(after !== undefined ? { after } : {}), ...(types ? { types } : {}) });
    const expected = JSON.stringify({ items, ...(items.length >= limit ? { next: items[items.length - 1]!.id } : {}) });
    assert.is(res.text, expected);
    return res;
  };
  const before = await page('limit=1000', 1000);
  const count = before.json.items.length as number;
  assert.ok(count > 5);
  await page('limit=3', 3);
  await page('limit=3&after=2', 3, 2);
  await page('limit=1000&types=pipeline.enabled,run.completed', 1000, undefined, ['pipeline.enabled', 'run.completed']);
  await page('limit=1000&after=100000', 1000, 100000);
  await gofer.runs.wait('quoted', (await gofer.runs.start('quoted')).runId);
  const after = await page('limit=1000', 1000);
  assert.ok(after.json.items.length > count, 'the run’s events are in the next answer');
  assert.is.not(after.headers.get('etag'), before.headers.get('etag'));

  // Last-Event-ID shapes the page read without `after`: not one answer for both.
  const resumed = await m('GET', '/api/events?limit=1000', undefined, { 'last-event-id': '3' });
  assert.equal(resumed.json.items[0].id, 4);
  assert.equal((await m('GET', '/api/events?limit=1000')).json.items[0].id, 1);

  // Deleted straight in SQL, as the retention sweep does.
  core.container.resolve(DATABASE).prepare('DELETE FROM events WHERE id <= ?').run(3);
  assert.is((await page('limit=1000', 1000)).json.items[0].id, 4);
});

test('events for a client token: only its pipelines, from the kept answer too', async () => {
  const team = api(server.address.url, ((await m('POST', '/api/tokens', { kind: 'client', namespaces: ['team'] })).json as { secret: string }).secret);
  for (let i = 0; i < 2; i++) {
    const res = await team('GET', '/api/events?limit=1000');
    assert.is(res.status, 200);
    const pipelines = new Set((res.json.items as Array<{ payload: { pipelineId?: string } }>).map((e) => e.payload.pipelineId));
    assert.equal([...pipelines].sort(), ['team-1', 'team-2']);
  }
});

test.run();
