/**
 * HTTP behaviour of the API server on a real socket: 405 with Allow for a known path asked with
 * another method, 413 for a body over the limit, an empty body starting a run with no
 * variables (as the document says), the core's version in /api/health, every problem of a bad
 * request with its path, and the error body on unknown routes and malformed URLs.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BODY_BYTES } from '../../core/src/server/http-server.js';
import { attachApiServer } from '../../core/src/server/start-service.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';
import { api } from './service-harness.js';

const core = await goferWithFake();
const { gofer } = core;
const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
const url = server.address.url;
const token = tokens.bootstrap().secret;
const m = api(url, token);
const auth = { authorization: `Bearer ${token}` };
await gofer.pipelines.register({ id: 'http-pipe', name: 'HTTP', tasks: [{ id: 'only', image: 'img', command: ['true'] }] });

test.after(async () => {
  await gofer.close();
});

test('a known path asked with another method: 405, the methods it takes in Allow, a coded body', async () => {
  for (const [method, path, allow] of [
    ['PATCH', '/api/pipelines', 'GET, HEAD, POST'],
    ['DELETE', '/api/pipelines/http-pipe/runs', 'GET, HEAD, POST'],
    ['GET', '/api/tokens/bootstrap', 'POST'],
    ['PUT', '/api/health', 'GET, HEAD'],
  ] as const) {
    const res = await fetch(`${url}${path}`, { method, headers: auth });
    assert.is(res.status, 405, `${method} ${path}`);
    assert.is(res.headers.get('allow'), allow);
    const body = (await res.json()) as { error: { code: string; message: string; details: { allow: string[] } } };
    assert.is(body.error.code, 'ERR_METHOD_NOT_ALLOWED');
    assert.equal(body.error.details.allow.join(', '), allow);
  }
  // A path nobody serves stays a 404.
  const nope = await m('PATCH', '/api/nothing/here');
  assert.equal([nope.status, nope.json.error.code], [404, 'ERR_NOT_FOUND']);
});

test('a body over the limit: 413 ERR_PAYLOAD_TOO_LARGE, after auth (an anonymous caller gets 401)', async () => {
  const big = new Uint8Array(MAX_BODY_BYTES + 1);
  const res = await fetch(`${url}/api/pipelines/http-pipe/objects/big`, {
    method: 'PUT',
    body: big,
    headers: { ...auth, 'content-type': 'application/octet-stream' },
  });
  assert.is(res.status, 413);
  assert.is(((await res.json()) as { error: { code: string } }).error.code, 'ERR_PAYLOAD_TOO_LARGE');
  const json = await fetch(`${url}/api/namespaces`, {
    method: 'POST',
    body: new Uint8Array(MAX_BODY_BYTES + 1),
    headers: { ...auth, 'content-type': 'application/json' },
  });
  assert.is(json.status, 413);
  const anonymous = await fetch(`${url}/api/pipelines/http-pipe/objects/big`, { method: 'PUT', body: big });
  assert.is(anonymous.status, 401);
  // Just under the limit is stored.
  const fits = await fetch(`${url}/api/pipelines/http-pipe/objects/fits`, { method: 'PUT', body: new Uint8Array(MAX_BODY_BYTES), headers: auth });
  assert.is(fits.status, 204);
});

test('startRun: no body at all, or an empty JSON body, starts a run with no variables; the document says the body is optional', async () => {
  const none = await fetch(`${url}/api/pipelines/http-pipe/runs`, { method: 'POST', headers: auth });
  assert.is(none.status, 201, await none.clone().text());
  assert.equal(((await none.json()) as { variables: unknown }).variables, {});
  const empty = await fetch(`${url}/api/pipelines/http-pipe/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' } });
  assert.is(empty.status, 201);
  const doc = (await m('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, { requestBody: { required: boolean } }>> };
  assert.is(doc.paths['/api/pipelines/{pipelineId}/runs']!.post!.requestBody.required, false);
  // A body that needs a field still refuses an empty one, every problem listed.
  const ns = await m('POST', '/api/namespaces', undefined, { 'content-type': 'application/json' });
  assert.is(ns.status, 400);
  assert.equal(ns.json.error.details.problems, [{ path: 'body', message: 'missing required key "namespaceId"' }]);
});

test('/api/health answers the core version the document states', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8')) as { version: string };
  const health = await api(url)('GET', '/api/health');
  assert.equal(health.json, { status: 'ok', version: pkg.version });
  const doc = (await m('GET', '/api/openapi.json')).json as { info: { version: string } };
  assert.is(doc.info.version, pkg.version);
});

test('a bad request lists every problem with its path, in every part of the request', async () => {
  const body = await m('POST', '/api/tokens', { kind: 'robot', namespaces: 'default', extra: 1 });
  assert.is(body.status, 400);
  const paths = (body.json.error.details.problems as Array<{ path: string; message: string }>).map((p) => p.path).sort();
  assert.equal(paths, ['body', 'body/kind', 'body/namespaces']);
  const query = await m('GET', '/api/pipelines/http-pipe/runs?limit=abc');
  assert.equal(query.json.error.details.problems, [{ path: 'query/limit', message: 'must be integer' }]);
  const path = await m('GET', '/api/pipelines/http-pipe/runs/zero');
  assert.equal(path.json.error.details.problems, [{ path: 'path/runId', message: 'must be integer' }]);
  const dag = await m('POST', '/api/pipelines', { config: { id: 'http-dag', name: 'DAG', tasks: [{ id: 'aaa', image: 'i', dependsOn: { bbb: 'any' } }] } });
  assert.equal([dag.status, dag.json.error.code], [400, 'ERR_PIPELINE_INVALID']);
  assert.equal(
    dag.json.error.details.problems.map((p: { path: string }) => p.path),
    ['body/config/tasks/0/dependsOn/bbb'],
  );
});

test('malformed URLs and unknown routes answer coded errors; trailing slashes are forgiven', async () => {
  const badEncoding = await m('GET', '/api/tokens/%E0%A4%A');
  assert.equal([badEncoding.status, badEncoding.json.error.code], [400, 'ERR_INVALID_ARGUMENT']);
  const long = await m('GET', `/api/tokens/${'t'.repeat(5000)}`);
  assert.equal([long.status, long.json.error.code], [400, 'ERR_INVALID_ARGUMENT']);
  const unknown = await m('GET', '/api/nope');
  assert.equal([unknown.status, unknown.json.error.code], [404, 'ERR_NOT_FOUND']);
  assert.is((await m('GET', '/api/pipelines/')).status, 200);
  const json = await m('GET', '/api/pipelines?namespace=default&namespace=default');
  assert.is(json.status, 200, 'a repeated query key keeps its last value');
});

test.run();
