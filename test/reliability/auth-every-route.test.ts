/**
 * Auth over EVERY route of the real service, taken from the route table and checked against
 * the OpenAPI document (so a new route is covered without editing this file): no token, a
 * wrong token and an expired token get 401 ERR_UNAUTHENTICATED on every protected route; a
 * client token of another namespace gets, on every route that names the pipeline, exactly the
 * answer it gets for a pipeline that does not exist (404, the same body but for the id, no
 * trace of the other namespace: it cannot probe which ids exist elsewhere), and on the rest
 * either 403 or an answer without a trace of the other namespace.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRoutes } from '../../core/src/server/routes/index.js';
import { api, pipelineConfig, startServiceProcess } from '../integration/service-harness.js';
import { figure } from './reliability-helpers.js';
import { waitFor } from '../helpers/wait-for.js';

const OWNED = 'relauthp';
/** A pipeline id nobody registered: what a token learns about it is the baseline for OWNED. */
const MISSING = 'relnosuch';
/** Authorization headers that are not a usable bearer token at all. */
const MALFORMED = ['Basic Z29mZXI6Z29mZXI=', 'Bearer', 'Bearer  ', `Bearer ${'x'.repeat(8000)}`, 'bearer a b c', 'Bearer gofer_%00%ff'];
const PARAMS: Record<string, string> = {
  pipelineId: OWNED,
  runId: '1',
  taskId: 'only',
  version: '1',
  key: 'k1',
  tokenId: 'no-such-token',
  namespaceId: 'rel-b',
  subscriptionId: 'no-such',
  name: 'interval',
};
/** Valid bodies, so that a refusal is about the token and not about the body. */
const BODIES: Record<string, unknown> = {
  registerPipeline: { config: pipelineConfig(OWNED, [{ id: 'only', command: ['true'] }]), namespace: 'rel-a' },
  deployPipeline: { version: 1 },
  startRun: { variables: {} },
  putPipelineSecret: { value: 'v' },
  putGlobalSecret: { value: 'v' },
  createToken: { kind: 'management' },
  createNamespace: { namespaceId: 'rel-new' },
  createSubscription: { extension: 'interval', label: 'x', settings: {} },
  putPipelineObject: new Uint8Array([1, 2, 3]),
  putRunObject: new Uint8Array([1, 2, 3]),
};

test("every route: no token, wrong token, expired token -> 401; a token of another namespace -> a missing pipeline's 404, 403 or nothing of that namespace", async () => {
  const svc = await startServiceProcess();
  const results = { checked: 0, unauthenticated: 0, forbidden: 0, sameAsMissing: 0, filtered: 0, public: 0 };
  const bad: string[] = [];
  try {
    const m = api(svc.url, svc.token);
    for (const ns of ['rel-a', 'rel-b']) assert.is((await m('POST', '/api/namespaces', { namespaceId: ns })).status, 201);
    assert.is((await m('POST', '/api/pipelines', BODIES.registerPipeline)).status, 201);
    assert.is((await m('POST', `/api/pipelines/${OWNED}/runs`, {})).status, 201);
    const make = async (body: unknown) => ((await m('POST', '/api/tokens', body)).json as { secret: string }).secret;
    const otherNamespace = await make({ kind: 'client', namespaces: ['rel-b'] });
    const expired = await make({ kind: 'management', expiresInMs: 1 });
    await waitFor('the short token to expire', async () => (await api(svc.url, expired)('GET', '/api/tokens')).status === 401);

    // The route table and the served OpenAPI document agree: nothing escapes the table below.
    const table = buildRoutes();
    const doc = (await m('GET', '/api/openapi.json')).json as { paths: Record<string, Record<string, { operationId: string }>> };
    const documented = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops).map((o) => o.operationId))
      .sort();
    assert.equal(table.map((r) => r.operationId).sort(), documented, 'the OpenAPI document lists exactly the route table');

    for (const route of table) {
      const path = route.path.replace(/\{(\w+)\}/g, (_, p: string) => PARAMS[p] ?? 'x');
      const body = route.body ? (BODIES[route.operationId] ?? {}) : undefined;
      const call = (token?: string) => api(svc.url, token)(route.method, path, body);
      results.checked++;
      if (route.public) {
        results.public++;
        continue;
      }
      for (const [label, header] of [
        ['no token', undefined],
        ['wrong token', 'Bearer gofer_not-a-real-token'],
        ['expired token', `Bearer ${expired}`],
        ['malformed header', MALFORMED[results.checked % MALFORMED.length]],
      ] as const) {
        const res = await api(svc.url)(route.method, path, body, header === undefined ? {} : { authorization: header });
        if (res.status === 401 && res.json?.error?.code === 'ERR_UNAUTHENTICATED') results.unauthenticated++;
        else bad.push(`${route.method} ${route.path} with ${label}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      const res = await call(otherNamespace);
      if (route.path.includes('{pipelineId}') && route.access === 'namespace') {
        // The same call on a pipeline that does not exist: the answers must not differ but for the id.
        const missingPath = route.path.replace(/\{(\w+)\}/g, (_, p: string) => (p === 'pipelineId' ? MISSING : (PARAMS[p] ?? 'x')));
        const missing = await api(svc.url, otherNamespace)(route.method, missingPath, body);
        const same = res.status === 404 && missing.status === 404 && res.text.replaceAll(OWNED, MISSING) === missing.text && !res.text.includes('rel-a');
        if (same) results.sameAsMissing++;
        else
          bad.push(
            `${route.method} ${route.path} with another namespace's token: ${res.status} ${res.text.slice(0, 160)}; for a missing pipeline: ${missing.status} ${missing.text.slice(0, 160)}`,
          );
      } else if (res.status === 403 && res.json?.error?.code === 'ERR_FORBIDDEN') results.forbidden++;
      else if (route.path.includes('{pipelineId}') || route.operationId === 'registerPipeline')
        bad.push(`${route.method} ${route.path} with another namespace's token: ${res.status} ${res.text.slice(0, 160)}`);
      else if (res.status < 300 && !res.text.includes(OWNED)) results.filtered++;
      else
        bad.push(
          `${route.method} ${route.path} with another namespace's token: ${res.status}, ${res.text.includes(OWNED) ? 'shows the other namespace' : res.text.slice(0, 160)}`,
        );
    }
    // Registering the other namespace's id in the token's own namespace (or none): a conflict
    // (ids are global) that names no namespace.
    for (const namespace of ['rel-b', undefined]) {
      const res = await api(svc.url, otherNamespace)('POST', '/api/pipelines', {
        config: pipelineConfig(OWNED, [{ id: 'only', command: ['true'] }]),
        ...(namespace ? { namespace } : {}),
      });
      const expected = namespace ? 409 : 403; // without a namespace the target is "default", which this token may not act on
      if (res.status !== expected || res.text.includes('rel-a'))
        bad.push(`register ${OWNED} in ${namespace ?? '(none)'}: ${res.status} ${res.text.slice(0, 160)}`);
    }
  } finally {
    await svc.stop();
  }
  figure(
    `auth: ${results.checked} routes (${results.public} public): ${results.unauthenticated} no/wrong/expired/malformed-token calls -> 401, ${results.sameAsMissing} other-namespace pipeline calls answered exactly as for a missing pipeline (404), ${results.forbidden} other-namespace calls -> 403, ${results.filtered} filtered lists; ${bad.length} wrong answers`,
  );
  assert.equal(bad, []);
});

test.run();
