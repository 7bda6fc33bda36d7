/**
 * The OpenAPI document the REAL service serves validates with an independent library
 * (@apidevtools/swagger-parser), and every documented operation answers as documented: a
 * documented status, never a 5xx, and 2xx JSON bodies that match the documented schema.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { api, pipelineConfig, startServiceProcess, type RunningService } from './service-harness.js';
import { waitFor } from '../helpers/wait-for.js';

let svc: RunningService;
let m: ReturnType<typeof api>;
type Doc = {
  paths: Record<
    string,
    Record<string, { operationId: string; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
};
let doc: Doc;

test.before(async () => {
  svc = await startServiceProcess();
  m = api(svc.url, svc.token);
  doc = (await m('GET', '/api/openapi.json')).json as Doc;
});

test.after(async () => {
  await svc?.stop();
});

test('the document is valid OpenAPI 3.1 (swagger-parser)', async () => {
  let api3: unknown;
  try {
    api3 = await SwaggerParser.validate(structuredClone(doc) as never);
  } catch (err) {
    // Re-thrown plain: uvu prints nothing for swagger-parser's own error objects.
    throw new Error(String(err));
  }
  assert.ok((api3 as { openapi?: string }).openapi?.startsWith('3.'));
  const ids = Object.values(doc.paths).flatMap((ms) => Object.values(ms).map((o) => o.operationId));
  assert.is(new Set(ids).size, ids.length, 'operationIds are unique');
});

test('every documented operation answers with a documented status and body', async () => {
  // Fixtures the operations act on.
  assert.is((await m('POST', '/api/namespaces', { namespaceId: 'spare' })).status, 201);
  const cfg = pipelineConfig('api-pipe', [{ id: 'greet', command: ['sh', '-c', 'echo hello'] }]);
  assert.is((await m('POST', '/api/pipelines', { config: cfg })).status, 201);
  const run = (await m('POST', '/api/pipelines/api-pipe/runs', { variables: { A: '1' } })).json as { runId: number };
  await waitFor('the fixture run to complete', async () => (await m('GET', `/api/pipelines/api-pipe/runs/${run.runId}`)).json.state === 'complete');
  const extra = (await m('POST', '/api/tokens', { kind: 'client', namespaces: ['default'] })).json as { token: { tokenId: string } };

  const params: Record<string, string> = {
    pipelineId: 'api-pipe',
    runId: String(run.runId),
    taskId: 'greet',
    version: '1',
    key: 'k1',
    tokenId: extra.token.tokenId,
    namespaceId: 'spare',
    name: 'interval',
    subscriptionId: 'later',
  };
  const bodies: Record<string, unknown> = {
    registerPipeline: { config: cfg },
    deployPipeline: { version: 1 },
    startRun: { variables: { B: '2' } },
    putPipelineSecret: { value: 's3cret' },
    putGlobalSecret: { value: 's3cret' },
    createToken: { kind: 'client', namespaces: ['default'] },
    createNamespace: { namespaceId: 'made-here' },
    createSubscription: { extension: 'interval', label: 'every-hour', settings: { every: '1h' } },
    putPipelineObject: new Uint8Array([104, 105]),
    putRunObject: new Uint8Array([104, 105]),
  };

  const deref = (await SwaggerParser.dereference(structuredClone(doc) as never)) as unknown as Doc;
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Writes first, then reads, then deletes (the pipeline last), so each finds what it needs.
  const order = (method: string, id: string) =>
    id === 'deletePipeline'
      ? 4
      : id === 'disablePipeline'
        ? 1.5
        : id === 'enablePipeline'
          ? 1.6
          : method === 'delete'
            ? 3
            : method === 'get'
              ? 2
              : method === 'put' || id.startsWith('create') || id === 'registerPipeline'
                ? 0
                : 1;
  const ops = Object.entries(deref.paths).flatMap(([path, ms]) => Object.entries(ms).map(([method, op]) => ({ path, method, op })));
  ops.sort((a, b) => order(a.method, a.op.operationId) - order(b.method, b.op.operationId));

  const seen: string[] = [];
  for (const { path, method, op } of ops) {
    if (op.operationId === 'deleteSubscription') {
      const subs = (await m('GET', '/api/pipelines/api-pipe/subscriptions')).json.items as Array<{ subscriptionId: string }>;
      if (subs[0]) params.subscriptionId = subs[0].subscriptionId;
    }
    const url = path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? 'x'));
    const res = await m(method.toUpperCase(), url, op.requestBody ? (bodies[op.operationId] ?? {}) : undefined);
    const label = `${op.operationId} (${method.toUpperCase()} ${url}) -> ${res.status} ${res.text.slice(0, 300)}`;
    assert.ok(res.status < 500, label);
    const spec = op.responses[String(res.status)];
    assert.ok(spec, `undocumented status: ${label}`);
    const schema = spec.content?.['application/json']?.schema;
    if (res.status < 300 && schema && res.headers.get('content-type')?.startsWith('application/json')) {
      const validate = ajv.compile(schema);
      assert.ok(validate(res.json), `${label}\n${ajv.errorsText(validate.errors)}`);
    }
    if (res.status >= 400) assert.type(res.json?.error?.code, 'string', `errors carry a code: ${label}`);
    seen.push(`${op.operationId}:${res.status}`);
  }
  // The happy paths really ran (not just documented error answers).
  for (const expected of [
    'registerPipeline:201',
    'startRun:201',
    'getTask:200',
    'getTaskLogs:200',
    'putPipelineSecret:204',
    'getPipelineObject:200',
    'createToken:201',
    'deletePipeline:204',
    'listEvents:200',
    'listPlugins:200',
  ]) {
    assert.ok(seen.includes(expected), `expected ${expected} in ${seen.join(' ')}`);
  }
});

test('errors are JSON with a stable code; unknown routes and bad bodies say so', async () => {
  const nope = await m('GET', '/api/nope');
  assert.is(nope.status, 404);
  assert.is(nope.json.error.code, 'ERR_NOT_FOUND');
  const bad = await m('POST', '/api/pipelines', { config: { id: 'x', name: 'bad', tasks: [] } });
  assert.is(bad.status, 400);
  assert.is(bad.json.error.code, 'ERR_PIPELINE_INVALID');
  assert.match(bad.json.error.message, '/config/id');
  const badJson = await api(svc.url, svc.token)('POST', '/api/namespaces', undefined, { 'content-type': 'application/json' });
  assert.is(badJson.status, 400);
});

test.run();
