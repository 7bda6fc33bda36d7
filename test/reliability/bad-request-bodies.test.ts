/**
 * Bad input beyond pipeline configs: generated and mutated bodies for every other API route
 * that takes one (routes read from the real service's OpenAPI document), malformed JSON, odd
 * path parameters, and webhook payloads through the webhook extension on a real core. No
 * crash, no 500, every refusal a JSON error with a code. Seeded; GOFER_TEST_SEED replays.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryLogger, Pipeline, Task } from '@gofer/core';
import webhookExtension, { type WebhookExtension } from '@gofer/extension-webhook';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { PLUGIN_REGISTRY } from '../../core/src/plugin-host/registry.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { api, pipelineConfig, startServiceProcess } from '../integration/service-harness.js';
import { Draw } from './input-fuzzer.js';
import { figure, prng, testSeed } from './reliability-helpers.js';

const PER_ROUTE = Number(process.env.GOFER_FUZZ_PER_ROUTE ?? 300);
const WEBHOOK_COUNT = Number(process.env.GOFER_FUZZ_WEBHOOKS ?? 2000);
const seed = testSeed();
console.log(`seed ${seed} (replay: GOFER_TEST_SEED=${seed})`);
/** encodeURIComponent refuses lone surrogates; they are replaced for path segments. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A valid body per operation: the fuzzer mutates these. */
const VALID: Record<string, unknown> = {
  createToken: { kind: 'client', namespaces: ['default'], description: 'x', expiresInMs: 60_000 },
  createNamespace: { namespaceId: 'fuzz-ns', name: 'Fuzz' },
  deployPipeline: { version: 1 },
  startRun: { variables: { A: 'b' } },
  putGlobalSecret: { value: 'v' },
  putPipelineSecret: { value: 'v' },
  createSubscription: { extension: 'interval', label: 'fz', settings: { every: '1h' } },
};
const PARAMS: Record<string, string> = {
  pipelineId: 'fuzzp',
  runId: '1',
  taskId: 'only',
  version: '1',
  key: 'k1',
  tokenId: 'none',
  namespaceId: 'fuzz-ns',
  subscriptionId: 'none',
  name: 'interval',
};

function mutate(d: Draw, valid: unknown): unknown {
  if (d.chance(0.3)) return d.value(4);
  const copy = structuredClone(valid ?? {}) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const key = keys.length > 0 && d.chance(0.8) ? d.pick(keys) : d.nastyString() || 'extra';
  const roll = d.int(0, 4);
  if (roll === 0) delete copy[key];
  else if (roll === 1) copy[key] = d.hugeString();
  else if (roll === 2) copy[key] = d.deep(d.pick([50, 500]));
  else copy[key] = d.value(2);
  return copy;
}

test('every route with a body: mutated bodies, malformed JSON and odd path parameters never get a 500 or an uncoded error', async () => {
  const svc = await startServiceProcess();
  const d = new Draw(prng(seed));
  const bad: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  try {
    const m = api(svc.url, svc.token);
    assert.is((await m('POST', '/api/pipelines', { config: pipelineConfig('fuzzp', [{ id: 'only', command: ['true'] }]) })).status, 201);
    const doc = (await m('GET', '/api/openapi.json')).json as {
      paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, unknown> } }>>;
    };
    const check = (what: string, res: { status: number; json: { error?: { code?: string } } | undefined; text: string }) => {
      sent++;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 500 || (res.status >= 400 && typeof res.json?.error?.code !== 'string')) bad.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
    };
    let routesWithBody = 0;
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const path = template.replace(/\{(\w+)\}/g, (_, p: string) => PARAMS[p] ?? 'x');
        // Odd path parameters on every route (unicode, traversal, huge, control characters).
        if (template.includes('{')) {
          for (let i = 0; i < 10; i++) {
            const odd = template.replace(/\{(\w+)\}/g, () =>
              encodeURIComponent((d.chance(0.1) ? 'y'.repeat(5000) : d.nastyString() || '%').replace(LONE_SURROGATE, '\ufffd')),
            );
            check(
              `${method} ${odd.slice(0, 80)}`,
              await m(method.toUpperCase(), odd, method === 'get' || method === 'delete' ? undefined : (VALID[op.operationId] ?? {})),
            );
          }
        }
        if (!op.requestBody || !('application/json' in op.requestBody.content)) continue;
        if (op.operationId === 'registerPipeline' || op.operationId === 'bootstrapToken') continue; // bad-pipeline-configs covers it
        routesWithBody++;
        for (let i = 0; i < PER_ROUTE; i++) {
          const body = mutate(d, VALID[op.operationId]);
          check(`${op.operationId} #${i}`, await m(method.toUpperCase(), path, body));
        }
        for (const raw of ['{', '{"a":', 'null', '[]', '"str"', '\u0000', '{"a":1}{"b":2}', '\ufeff{}', 'x'.repeat(3_000_000)]) {
          check(`${op.operationId} raw ${JSON.stringify(raw.slice(0, 10))}`, await rawPost(svc.url, svc.token, method.toUpperCase(), path, raw));
        }
      }
    }
    assert.ok(routesWithBody >= 6, `expected the routes with bodies, found ${routesWithBody}`);
    assert.is((await api(svc.url)('GET', '/api/health')).status, 200, 'the service still answers');
    assert.is(svc.child.exitCode, null, 'the service did not crash');
  } finally {
    await svc.stop();
  }
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n}x${s}`)
    .join(', ');
  figure(`bad request bodies (HTTP): ${sent} requests over every route (seed ${seed}): ${summary}; ${bad.length} 500s or uncoded errors`);
  assert.equal(bad.slice(0, 20), [], `seed ${seed}`);
});

async function rawPost(url: string, token: string, method: string, path: string, raw: string) {
  const res = await fetch(`${url}${path}`, { method, body: raw, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const text = await res.text();
  let json: { error?: { code?: string } } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

test('webhook payloads: garbage, huge, deep, unicode, bad signatures: no 500, every refusal coded, the core keeps starting runs', async () => {
  const scheduler = new FakeScheduler();
  const key = randomBytes(32).toString('hex');
  const { gofer, container } = await startGofer({
    useEnv: false,
    logger: memoryLogger('error'),
    plugins: [scheduler.definition(), webhookExtension],
    config: { dataDir: ':memory:', scheduler: 'fake', discover: false, secretKey: key, extensions: { webhook: { port: 0, maxBodyBytes: 65_536 } } },
  });
  const d = new Draw(prng(seed + 7));
  const statuses = new Map<number, number>();
  const bad: string[] = [];
  try {
    await gofer.pipelines.register(new Pipeline('hookfuzz', 'webhook fuzz').tasks(new Task('show', 'img').command('true')).build());
    const secret = 'fuzz-secret';
    const sub = await gofer.subscriptions.create({
      pipelineId: 'hookfuzz',
      extension: 'webhook',
      label: 'fz',
      settings: { secret, 'variable.REF': 'body:/ref', 'variable.DEEP': 'body:/a/b/0/c', 'variable.ALL': 'body:', 'variable.EVT': 'header:X-GitHub-Event' },
    });
    const webhook = container.resolve(PLUGIN_REGISTRY).extension('webhook')!.instance as WebhookExtension;
    const url = webhook.urlFor(sub.subscriptionId)!;
    for (let i = 0; i < WEBHOOK_COUNT; i++) {
      const roll = d.int(0, 9);
      let body: string;
      if (roll === 0) body = d.nastyString();
      else if (roll === 1) body = ((n: number) => `${'{"a":['.repeat(n)}1${']}'.repeat(n)}`)(d.pick([10, 1000, 5000, 100_000]));
      else if (roll === 2) body = `{"ref":${JSON.stringify(d.hugeString())}}`;
      else if (roll === 3) body = randomBytes(d.int(1, 2000)).toString('latin1');
      else body = JSON.stringify({ ref: d.value(2), a: { b: [{ c: d.value(2) }] }, extra: d.value(3) });
      const signature = d.chance(0.8)
        ? `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
        : d.pick(['', 'sha256=', 'sha256=zz', 'md5=1', d.nastyString().replace(/[^\x20-\x7e]/g, '')]);
      const headers: Record<string, string> = {
        'content-type': d.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']),
        'x-github-delivery': `d-${i}`,
        'x-github-event': d.pick(['push', 'ping', '', 'x'.repeat(2000)]),
      };
      if (signature) headers['x-hub-signature-256'] = signature;
      const method = d.chance(0.05) ? d.pick(['GET', 'PUT', 'DELETE']) : 'POST';
      const target = d.chance(0.05) ? `${url}${encodeURIComponent(d.nastyString().replace(LONE_SURROGATE, '\ufffd'))}` : url;
      const res = await fetch(target, { method, headers, ...(method === 'GET' ? {} : { body }) });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      let code: unknown;
      try {
        code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined;
      }
      if (res.status === 500 || (res.status >= 400 && typeof code !== 'string')) bad.push(`#${i}: ${res.status} ${text.slice(0, 200)}`);
    }
    // The core still starts runs from a good delivery.
    const good = JSON.stringify({ ref: 'refs/heads/main' });
    const ok = await fetch(url, {
      method: 'POST',
      body: good,
      headers: { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(good).digest('hex')}`, 'x-github-delivery': 'final' },
    });
    assert.is(ok.status, 202, await ok.text());
  } finally {
    await gofer.close();
  }
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n}x${s}`)
    .join(', ');
  figure(`bad webhook payloads: ${WEBHOOK_COUNT} deliveries (seed ${seed}): ${summary}; ${bad.length} 500s or uncoded errors`);
  assert.equal(bad.slice(0, 20), [], `seed ${seed}`);
});

test.run();
