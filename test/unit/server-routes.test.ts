/** The route table, the OpenAPI document built from it, error mapping and token store, without a process. */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, GoferError } from '../../core/src/api/index.js';
import { TokenStore } from '../../core/src/auth/token-store.js';
import { errorResponse, STATUS_BY_CODE } from '../../core/src/server/http-status.js';
import { openApiDocument } from '../../core/src/server/openapi-document.js';
import { errorStatusesOf } from '../../core/src/server/route-schema.js';
import { buildRoutes, routeTableRows } from '../../core/src/server/routes/index.js';

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

test('every protected route says which tokens may call it; public ones say nothing', () => {
  for (const r of buildRoutes()) {
    if (r.public) assert.is(r.access, undefined, r.operationId);
    else assert.ok(r.access === 'any' || r.access === 'namespace' || r.access === 'management', `${r.operationId} declares its access`);
  }
});

test('docs/service.md lists every route with the tokens it takes, as the route table says', () => {
  const doc = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('<!-- routes:start -->'), doc.indexOf('<!-- routes:end -->'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  assert.equal(rows, routeTableRows(), 'regenerate with: node --conditions=gofer-source --import tsx scripts/routes-table.mjs');
});

test('error codes map to HTTP statuses through one total table; foreign errors are 500 ERR_INTERNAL', () => {
  assert.equal(Object.keys(STATUS_BY_CODE).sort(), Object.keys(ERROR_CODES).sort(), 'every code has a status');
  for (const status of Object.values(STATUS_BY_CODE)) assert.ok(status >= 400 && status < 600, String(status));
  assert.is(errorResponse(new GoferError('ERR_NOT_FOUND', 'x')).status, 404);
  assert.is(errorResponse(new GoferError('ERR_UNAUTHENTICATED', 'x')).status, 401);
  assert.is(errorResponse(new GoferError('ERR_FORBIDDEN', 'x')).status, 403);
  assert.is(errorResponse(new GoferError('ERR_PIPELINE_INVALID', 'x')).status, 400);
  const foreign = errorResponse(new TypeError('boom'));
  assert.equal([foreign.status, foreign.body.error.code], [500, 'ERR_INTERNAL']);
});

test('openApiDocument() builds the document without a database or a socket: every route, each error status with its codes', async () => {
  const routes = buildRoutes();
  type Op = { operationId: string; responses: Record<string, { description: string }>; security?: unknown[]; requestBody?: { required: boolean } };
  const doc = (await openApiDocument()) as { openapi: string; info: { version: string }; paths: Record<string, Record<string, Op>> };
  assert.is(doc.openapi, '3.1.0');
  const pkg = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8')) as { version: string };
  assert.is(doc.info.version, pkg.version);
  const documented = Object.values(doc.paths).flatMap((ms) => Object.values(ms).map((o) => o.operationId));
  assert.equal(documented.sort(), routes.map((r) => r.operationId).sort(), 'exactly the route table: no 405 or UI routes');
  for (const r of routes) {
    const op = doc.paths[r.path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} documented`);
    if (r.public) assert.equal(op.security, []);
    else assert.ok(op.responses['401'], `${r.operationId} documents 401`);
    assert.is(
      op.responses['403'] !== undefined,
      (r.access === 'namespace' && !r.path.includes('{pipelineId}')) || r.access === 'management' || r.errors?.ERR_FORBIDDEN !== undefined,
      `${r.operationId} documents 403 exactly when a token can be refused (a pipeline it may not see answers 404; a route may refuse for its own reason, as approveTask refuses a token that is not among the approvers)`,
    );
    for (const [status, codes] of errorStatusesOf(r)) {
      const response = op.responses[String(status)];
      assert.ok(response, `${r.operationId} documents ${status}`);
      for (const code of codes) assert.match(response.description, code, `${r.operationId} ${status} names ${code}`);
    }
  }
  assert.is(doc.paths['/api/secrets/{key}']!.put!.responses['503']?.description.includes('ERR_SECRET_KEY_INVALID'), true, 'the secret PUT 503 is documented');
  assert.is(doc.paths['/api/pipelines/{pipelineId}/runs']!.post!.requestBody?.required, false, 'startRun takes no body at all');
  assert.is(doc.paths['/api/pipelines/{pipelineId}/deploy']!.post!.requestBody?.required, false);
  assert.is(doc.paths['/api/namespaces']!.post!.requestBody?.required, true);
});

test('tokens are stored as hashes; bootstrap only while none exist; expiry and revocation', () => {
  let now = 1_000;
  const db = openSqlite(':memory:');
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
