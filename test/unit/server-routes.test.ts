/** The route table, router, error mapping and token store, without a process. */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, GoferError } from '../../core/src/api/index.js';
import { TokenStore } from '../../core/src/auth/token-store.js';
import { errorResponse, STATUS_BY_CODE } from '../../core/src/server/http-status.js';
import { openApiDocument } from '../../core/src/server/openapi.js';
import { Router } from '../../core/src/server/router.js';
import { buildRoutes } from '../../core/src/server/routes/index.js';

test('every route declares each {param} of its path, and operation ids are unique', () => {
  const routes = buildRoutes();
  const ids = routes.map((r) => r.operationId);
  assert.is(new Set(ids).size, ids.length);
  for (const r of routes) {
    const inPath = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.equal(Object.keys(r.params ?? {}).sort(), inPath, `${r.operationId} params`);
    assert.ok(r.path.startsWith('/api/'), r.path);
  }
});

test('the README lists every route', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const r of buildRoutes()) assert.ok(readme.includes(`| \`${r.method} ${r.path}\` |`), `README route table lacks ${r.method} ${r.path}`);
});

test('the router prefers literal segments and tells a wrong method from a missing path', () => {
  const router = new Router(buildRoutes());
  const boot = router.match('POST', '/api/tokens/bootstrap');
  assert.ok(boot && boot !== 'method-not-allowed');
  assert.is(boot.route.operationId, 'bootstrapToken');
  const task = router.match('GET', '/api/pipelines/p1/runs/3/tasks/t%20x');
  assert.ok(task && task !== 'method-not-allowed');
  assert.equal(task.params, { pipelineId: 'p1', runId: '3', taskId: 't x' });
  assert.is(router.match('PATCH', '/api/pipelines'), 'method-not-allowed');
  assert.is(router.match('GET', '/api/nothing/here'), undefined);
});

test('error codes map to HTTP statuses through one table; foreign errors are 500 ERR_INTERNAL', () => {
  for (const code of Object.keys(STATUS_BY_CODE)) assert.ok(code in ERROR_CODES, code);
  assert.is(errorResponse(new GoferError('ERR_NOT_FOUND', 'x')).status, 404);
  assert.is(errorResponse(new GoferError('ERR_UNAUTHENTICATED', 'x')).status, 401);
  assert.is(errorResponse(new GoferError('ERR_FORBIDDEN', 'x')).status, 403);
  assert.is(errorResponse(new GoferError('ERR_PIPELINE_INVALID', 'x')).status, 400);
  const foreign = errorResponse(new TypeError('boom'));
  assert.equal([foreign.status, foreign.body.error.code], [500, 'ERR_INTERNAL']);
});

test('the OpenAPI document lists every route with 401/403 on protected ones', () => {
  const routes = buildRoutes();
  const doc = openApiDocument(routes) as { paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>> };
  for (const r of routes) {
    const op = doc.paths[r.path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} documented`);
    if (r.public) assert.equal(op!.security, []);
    else assert.ok(op!.responses['401'] && op!.responses['403'], `${r.operationId} documents 401 and 403`);
  }
});

test('tokens are stored as hashes; bootstrap only while none exist; expiry and revocation', () => {
  let now = 1_000;
  const db = new BetterSqlite3(':memory:');
  const store = new TokenStore(db, () => now);
  const boot = store.bootstrap();
  assert.is(boot.token.kind, 'management');
  assert.match(boot.secret, /^gofer_[A-Za-z0-9_-]{43}$/);
  const raw = JSON.stringify(db.prepare('SELECT * FROM auth_tokens').all());
  assert.not.match(raw, boot.secret, 'the secret is never stored');
  try {
    store.bootstrap();
    assert.unreachable('a second bootstrap must fail');
  } catch (err) {
    assert.is((err as GoferError).code, 'ERR_CONFLICT');
  }
  assert.is(store.verify(boot.secret)?.tokenId, boot.token.tokenId);
  assert.is(store.verify('gofer_wrong'), undefined);
  const short = store.create({ kind: 'client', namespaces: ['default'], expiresInMs: 100 });
  assert.ok(store.verify(short.secret));
  now += 100;
  assert.is(store.verify(short.secret), undefined, 'expired');
  store.delete(boot.token.tokenId);
  assert.is(store.verify(boot.secret), undefined, 'revoked');
  try {
    store.create({ kind: 'client', namespaces: ['nope'] });
    assert.unreachable();
  } catch (err) {
    assert.is((err as GoferError).code, 'ERR_NOT_FOUND');
  }
  db.close();
});

test.run();
