/**
 * Cursor pagination of the list routes on a real socket and a real SQLite file: walking the
 * pages of runs (newest first, `before`), events, pipelines and versions (`after`) yields the
 * whole list once, in order, with no gap; a full page carries `next`, the last page does not; a
 * cursor past the end gives an empty page; a limit out of range is a 400 ERR_INVALID_ARGUMENT
 * (and the typed API refuses it the same way).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, PAGE_LIMITS } from '@gofer/core';
import { attachApiServer } from '../../core/src/server/start-service.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { api } from './service-harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gofer-paging-'));
const core = await goferWithFake({ config: { dataDir } });
const { gofer } = core;
const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
const m = api(server.address.url, tokens.bootstrap().secret);

const RUNS = 25;
await gofer.pipelines.register({ id: 'paged', name: 'Paged', tasks: [{ id: 'only', image: 'img', command: ['true'] }] });
for (let i = 0; i < RUNS; i++) await gofer.runs.wait('paged', (await gofer.runs.start('paged')).runId);
for (let i = 0; i < 11; i++) await gofer.pipelines.register({ id: `pipe-${String(i).padStart(2, '0')}`, name: 'P', tasks: [{ id: 'only', image: 'img' }] });
for (let v = 2; v <= 6; v++) await gofer.pipelines.register({ id: 'paged', name: `Paged v${v}`, tasks: [{ id: 'only', image: 'img', command: ['true'] }] });

test.after(async () => {
  await gofer.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Page<T, C> {
  items: T[];
  next?: C;
}

/** Every page from `first`, following `next` with `cursor` until a page has none. */
async function walk<T, C>(path: (next: C | undefined) => string): Promise<{ items: T[]; pages: Array<Page<T, C>> }> {
  const pages: Array<Page<T, C>> = [];
  let next: C | undefined;
  for (;;) {
    const res = await m('GET', path(next));
    assert.is(res.status, 200, res.text);
    const page = res.json as Page<T, C>;
    pages.push(page);
    if (page.next === undefined) break;
    assert.ok(pages.length < 100, 'the pages end');
    next = page.next;
  }
  return { items: pages.flatMap((p) => p.items), pages };
}

test('runs: pages newest first walk every run once; a full page has next, the last one not', async () => {
  const all = Array.from({ length: RUNS }, (_, i) => RUNS - i);
  for (const limit of [7, 5, 1, 25, 1000]) {
    const { items, pages } = await walk<{ runId: number }, number>(
      (next) => `/api/pipelines/paged/runs?limit=${limit}${next === undefined ? '' : `&before=${next}`}`,
    );
    assert.equal(
      items.map((r) => r.runId),
      all,
      `limit ${limit}`,
    );
    for (const p of pages.slice(0, -1)) assert.is(p.next, p.items.at(-1)!.runId, 'next is the last run id of a full page');
    // A limit that divides the runs ends with an empty page (a full page cannot know it is the last).
    if (RUNS % limit === 0 && limit <= RUNS) assert.equal(pages.at(-1), { items: [] });
  }
  // The default page size, and the typed API's pages are the same.
  const first = await m('GET', '/api/pipelines/paged/runs');
  assert.is(first.json.items.length, RUNS);
  assert.is(first.json.next, undefined, `fewer than the default ${PAGE_LIMITS.runs.default}: no next`);
  assert.equal(
    (await gofer.runs.list('paged', { limit: 3, before: 10 })).map((r) => r.runId),
    [9, 8, 7],
  );
});

test('a cursor past the end gives an empty page without next', async () => {
  for (const path of [
    '/api/pipelines/paged/runs?before=1',
    '/api/events?after=999999',
    '/api/pipelines?after=zzzz',
    '/api/pipelines/paged/versions?after=99',
  ]) {
    const res = await m('GET', path);
    assert.is(res.status, 200, path);
    assert.equal(res.json, { items: [] }, path);
  }
});

test('events: pages oldest first walk every stored event once', async () => {
  const stored = await gofer.events.list({ limit: PAGE_LIMITS.events.max });
  assert.ok(stored.length > 50, 'the runs left events');
  const { items, pages } = await walk<{ id: number }, number>((next) => `/api/events?limit=9${next === undefined ? '' : `&after=${next}`}`);
  assert.equal(
    items.map((e) => e.id),
    stored.map((e) => e.id),
  );
  assert.ok(pages.length >= 6);
  // With a type filter, the cursor is the last matching event of a full page.
  const completed = await walk<{ id: number; type: string }, number>(
    (next) => `/api/events?types=run.completed&limit=4${next === undefined ? '' : `&after=${next}`}`,
  );
  assert.is(completed.items.length, RUNS);
  assert.ok(completed.items.every((e) => e.type === 'run.completed'));
});

test('pipelines by id and versions oldest first, a page at a time', async () => {
  const pipelines = await walk<{ pipelineId: string }, string>((next) => `/api/pipelines?limit=5${next === undefined ? '' : `&after=${next}`}`);
  const ids = ['paged', ...Array.from({ length: 11 }, (_, i) => `pipe-${String(i).padStart(2, '0')}`)];
  assert.equal(
    pipelines.items.map((p) => p.pipelineId),
    ids,
  );
  assert.is(pipelines.pages.length, 3);
  assert.equal(
    (await gofer.pipelines.list({ namespace: 'default', after: 'pipe-08', limit: 2 })).map((p) => p.pipelineId),
    ['pipe-09', 'pipe-10'],
  );
  const versions = await walk<{ version: number }, number>((next) => `/api/pipelines/paged/versions?limit=4${next === undefined ? '' : `&after=${next}`}`);
  assert.equal(
    versions.items.map((v) => v.version),
    [1, 2, 3, 4, 5, 6],
  );
  assert.is(versions.pages[0]!.next, 4);
});

test("a client token's pages are cut before filtering: they may hold fewer items, and next still moves on", async () => {
  assert.is((await m('POST', '/api/namespaces', { namespaceId: 'team' })).status, 201);
  for (const id of ['team-a', 'team-b', 'zz-team']) {
    assert.is((await m('POST', '/api/pipelines', { config: { id, name: id, tasks: [{ id: 'only', image: 'img' }] }, namespace: 'team' })).status, 201);
  }
  const { secret } = (await m('POST', '/api/tokens', { kind: 'client', namespaces: ['team'] })).json as { secret: string };
  const client = api(server.address.url, secret);
  const pages: Array<Page<{ pipelineId: string }, string>> = [];
  let next: string | undefined;
  do {
    const res = await client('GET', `/api/pipelines?limit=4${next === undefined ? '' : `&after=${next}`}`);
    assert.is(res.status, 200, res.text);
    pages.push(res.json as Page<{ pipelineId: string }, string>);
    next = pages.at(-1)!.next;
  } while (next !== undefined);
  assert.equal(
    pages.flatMap((p) => p.items.map((i) => i.pipelineId)),
    ['team-a', 'team-b', 'zz-team'],
  );
  assert.ok(
    pages.some((p) => p.items.length < 4 && p.next !== undefined),
    'a page short of its limit that is not the last',
  );
});

test('a limit or cursor out of range: 400 ERR_INVALID_ARGUMENT naming the parameter', async () => {
  for (const path of [
    '/api/pipelines/paged/runs?limit=0',
    `/api/pipelines/paged/runs?limit=${PAGE_LIMITS.runs.max + 1}`,
    '/api/pipelines/paged/runs?limit=ten',
    '/api/pipelines/paged/runs?before=-1',
    `/api/events?limit=${PAGE_LIMITS.events.max + 1}`,
    '/api/events?after=-5',
    `/api/pipelines?limit=${PAGE_LIMITS.pipelines.max + 1}`,
    '/api/pipelines/paged/versions?limit=0',
  ]) {
    const res = await m('GET', path);
    assert.is(res.status, 400, path);
    assert.is(res.json.error.code, 'ERR_INVALID_ARGUMENT', path);
    const param = /[?&](\w+)=/.exec(path)![1]!;
    assert.ok(JSON.stringify(res.json.error.details.problems).includes(param), `${path}: ${res.text}`);
  }
});

test('the typed API refuses a limit out of range with ERR_INVALID_ARGUMENT', async () => {
  const refused = async (call: () => Promise<unknown>, what: string) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isGoferError(err, 'ERR_INVALID_ARGUMENT'), `${what}: ${String(err)}`);
    return err as unknown as { details: { field: string } };
  };
  assert.is((await refused(() => gofer.runs.list('paged', { limit: 0 }), 'runs 0')).details.field, 'limit');
  await refused(() => gofer.runs.list('paged', { limit: PAGE_LIMITS.runs.max + 1 }), 'runs max+1');
  await refused(() => gofer.runs.list('paged', { limit: 2.5 }), 'runs 2.5');
  assert.is((await refused(() => gofer.runs.list('paged', { before: -1 }), 'runs before -1')).details.field, 'before');
  await refused(() => gofer.events.list({ limit: PAGE_LIMITS.events.max + 1 }), 'events');
  await refused(() => gofer.pipelines.list({ limit: 0 }), 'pipelines');
  await refused(() => gofer.pipelines.versions('paged', { limit: 1001 }), 'versions');
  assert.is((await gofer.runs.list('paged', { limit: PAGE_LIMITS.runs.max })).length, RUNS);
});

test.run();
