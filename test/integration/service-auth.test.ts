/**
 * The auth table, for every route of the REAL service's OpenAPI document: no token, a wrong
 * token and an expired token get 401; a client token of another namespace gets 404 (as for a
 * missing pipeline) on routes that name a pipeline, 403 on the other namespaced and
 * management-only routes; run tokens (GOFER_API_TOKEN) reach only their pipeline and stop
 * working when the run ends.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, pipelineConfig, startServiceProcess, waitForFileSh, type RunningService } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let svc: RunningService;
let m: ReturnType<typeof api>;
const secrets: Record<'clientA' | 'clientB' | 'expired', string> = { clientA: '', clientB: '', expired: '' };

/** Routes any valid token may call (results filtered to what the token may see). */
const ANY_TOKEN = new Set(['listPipelines', 'listNamespaces', 'listEvents', 'listPlugins', 'listExtensions', 'getExtension', 'getTriggerPauses']);
/** Routes only a management token may call. */
const MANAGEMENT_ONLY = new Set([
  'listTokens',
  'createToken',
  'getToken',
  'deleteToken',
  'createNamespace',
  'deleteNamespace',
  'listGlobalSecrets',
  'putGlobalSecret',
  'deleteGlobalSecret',
  'reapOrphans',
  'pauseTriggers',
  'resumeTriggers',
  'getExtensionLogs',
]);

const BODIES: Record<string, unknown> = {
  registerPipeline: { config: pipelineConfig('authp', [{ id: 'only', command: ['true'] }]), namespace: 'team-a' },
  deployPipeline: {},
  startRun: { variables: {} },
  rerunRun: { mode: 'all' },
  approveTask: { comment: 'ok' },
  rejectTask: { comment: 'no' },
  putPipelineSecret: { value: 'v' },
  putGlobalSecret: { value: 'v' },
  createToken: { kind: 'management' },
  createNamespace: { namespaceId: 'zz-new' },
  createSubscription: { extension: 'interval', label: 'x', settings: {} },
  putPipelineObject: new Uint8Array([1, 2, 3]),
  putRunObject: new Uint8Array([1, 2, 3]),
  pauseTriggers: {},
  pausePipelineTriggers: {},
};
const PARAMS: Record<string, string> = {
  pipelineId: 'authp',
  runId: '1',
  taskId: 'only',
  version: '1',
  key: 'k1',
  tokenId: 'no-such-token',
  namespaceId: 'team-b',
  subscriptionId: 'no-such',
  name: 'interval',
};

interface Operation {
  /** The path names a pipeline: a token that may not see it gets the missing pipeline's 404. */
  namesPipeline: boolean;
  method: string;
  path: string;
  operationId: string;
  public: boolean;
  hasBody: boolean;
}

async function operations(): Promise<Operation[]> {
  const doc = (await api(svc.url)('GET', '/api/openapi.json')).json as {
    paths: Record<string, Record<string, { operationId: string; security?: unknown[]; requestBody?: unknown }>>;
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      ops.push({
        namesPipeline: path.includes('{pipelineId}'),
        method: method.toUpperCase(),
        path: path.replace(/\{(\w+)\}/g, (_, p: string) => PARAMS[p] ?? 'x'),
        operationId: op.operationId,
        public: Array.isArray(op.security) && op.security.length === 0,
        hasBody: op.requestBody !== undefined,
      });
    }
  }
  return ops;
}

test.before(async () => {
  svc = await startServiceProcess();
  m = api(svc.url, svc.token);
  for (const ns of ['team-a', 'team-b']) assert.is((await m('POST', '/api/namespaces', { namespaceId: ns })).status, 201);
  assert.is((await m('POST', '/api/pipelines', BODIES.registerPipeline)).status, 201);
  const make = async (body: unknown) => ((await m('POST', '/api/tokens', body)).json as { secret: string }).secret;
  secrets.clientA = await make({ kind: 'client', namespaces: ['team-a'] });
  secrets.clientB = await make({ kind: 'client', namespaces: ['team-b'] });
  secrets.expired = await make({ kind: 'management', expiresInMs: 1 });
  await waitFor('the short token to expire', async () => (await api(svc.url, secrets.expired)('GET', '/api/tokens')).status === 401);
});

test.after(async () => {
  await svc?.stop();
});

test('every route is classified: public, any token, management only, or namespaced', async () => {
  for (const op of await operations()) {
    const namespaced = op.path.startsWith('/api/pipelines/') || op.operationId === 'registerPipeline';
    const kinds = [op.public, ANY_TOKEN.has(op.operationId), MANAGEMENT_ONLY.has(op.operationId), namespaced && !op.public].filter(Boolean).length;
    assert.is(kinds, 1, `${op.operationId} must be in exactly one auth class`);
  }
});

test('public routes answer without a token', async () => {
  const anon = api(svc.url);
  assert.is((await anon('GET', '/api/health')).status, 200);
  assert.is((await anon('GET', '/api/openapi.json')).status, 200);
  const again = await anon('POST', '/api/tokens/bootstrap');
  assert.is(again.status, 409, 'bootstrap works only while no token exists');
  assert.is(again.json.error.code, 'ERR_CONFLICT');
});

test('no token, a wrong token and an expired token get 401 on every protected route', async () => {
  const ops = (await operations()).filter((o) => !o.public);
  assert.ok(ops.length >= 40, `expected the full route table, got ${ops.length}`);
  for (const op of ops) {
    for (const [label, token] of [
      ['no token', undefined],
      ['wrong token', 'gofer_not-a-real-token'],
      ['expired token', secrets.expired],
    ] as const) {
      const res = await api(svc.url, token)(op.method, op.path, op.hasBody ? (BODIES[op.operationId] ?? {}) : undefined);
      assert.is(res.status, 401, `${op.method} ${op.path} with ${label}: ${res.text}`);
      assert.is(res.json?.error?.code, 'ERR_UNAUTHENTICATED');
    }
  }
});

test('a client token of another namespace gets 404 where a pipeline is named (as if it did not exist), 403 on other namespaced and management-only routes', async () => {
  const b = api(svc.url, secrets.clientB);
  let checked = 0;
  for (const op of await operations()) {
    if (op.public || ANY_TOKEN.has(op.operationId)) continue;
    assert.ok(!op.hasBody || op.operationId in BODIES, `add a valid body for ${op.operationId} to BODIES`);
    const res = await b(op.method, op.path, op.hasBody ? BODIES[op.operationId] : undefined);
    const expected = op.namesPipeline && !MANAGEMENT_ONLY.has(op.operationId) ? [404, 'ERR_NOT_FOUND'] : [403, 'ERR_FORBIDDEN'];
    assert.is(res.status, expected[0], `${op.method} ${op.path} with a team-b token: ${res.text}`);
    assert.is(res.json.error.code, expected[1]);
    checked++;
  }
  assert.ok(checked >= 30);
});

test('client tokens see only their namespaces in lists, and may act on their own pipelines', async () => {
  const a = api(svc.url, secrets.clientA);
  const b = api(svc.url, secrets.clientB);
  const ids = (r: { json: { items: Array<{ pipelineId: string }> } }) => r.json.items.map((p) => p.pipelineId);
  assert.equal(ids(await a('GET', '/api/pipelines')), ['authp']);
  assert.equal(ids(await b('GET', '/api/pipelines')), []);
  assert.equal(
    (await b('GET', '/api/namespaces')).json.items.map((n: { namespaceId: string }) => n.namespaceId),
    ['team-b'],
  );
  assert.is((await a('GET', '/api/pipelines/authp')).status, 200);
  assert.is((await a('GET', '/api/pipelines/authp/versions')).status, 200);
  assert.is((await a('GET', '/api/tokens')).status, 403, 'client tokens cannot manage tokens');
  const events = (await b('GET', '/api/events')).json.items as Array<{ payload: { pipelineId?: string } }>;
  assert.ok(
    events.every((e) => e.payload.pipelineId !== 'authp'),
    'team-b sees no team-a events',
  );
  assert.ok(((await a('GET', '/api/events')).json.items as unknown[]).length > 0, 'team-a sees its pipeline events');
});

test('a revoked token gets 401 at once', async () => {
  const made = (await m('POST', '/api/tokens', { kind: 'client', namespaces: ['team-a'] })).json as { token: { tokenId: string }; secret: string };
  assert.is((await api(svc.url, made.secret)('GET', '/api/pipelines')).status, 200);
  assert.is((await m('DELETE', `/api/tokens/${made.token.tokenId}`)).status, 204);
  assert.is((await api(svc.url, made.secret)('GET', '/api/pipelines')).status, 401);
});

test('a run token (GOFER_API_TOKEN) reaches its own pipeline only, until the run ends', async () => {
  const tokenFile = join(svc.dataDir, 'run-token');
  const goFile = join(svc.dataDir, 'go');
  const config = pipelineConfig('runtok', [
    { id: 'leak', injectApiToken: true, command: ['sh', '-c', `printf %s "$GOFER_API_TOKEN" > ${tokenFile}; ${waitForFileSh(goFile)}`] },
  ]);
  assert.is((await m('POST', '/api/pipelines', { config, namespace: 'team-a' })).status, 201);
  const run = (await m('POST', '/api/pipelines/runtok/runs', {})).json as { runId: number };
  const runToken = await waitFor('the task to write its token', async () => existsSync(tokenFile) && readFileSync(tokenFile, 'utf8'));
  const r = api(svc.url, runToken);
  assert.is((await r('GET', '/api/pipelines/runtok')).status, 200);
  assert.is((await r('GET', `/api/pipelines/runtok/runs/${run.runId}`)).status, 200);
  assert.is((await r('GET', '/api/pipelines/authp')).status, 404, 'another pipeline of the same namespace: as if it did not exist');
  assert.is((await r('GET', '/api/tokens')).status, 403);
  writeFileSync(goFile, '');
  await waitFor('the run to complete', async () => (await m('GET', `/api/pipelines/runtok/runs/${run.runId}`)).json.state === 'complete');
  assert.is((await r('GET', '/api/pipelines/runtok')).status, 401, 'revoked when the run ended');
});

test.run();
