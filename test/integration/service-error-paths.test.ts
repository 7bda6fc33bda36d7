/**
 * The document tells the whole truth about errors: every route of the table is called into its
 * error paths on a real core over a real socket (no token, another namespace's token, unknown
 * and malformed path parameters, bad queries, bad and oversized bodies, and each route's own
 * failures: no secret key, a disabled pipeline, an engine that is down, an extension that failed
 * to load, conflicts). Every error answered must be documented for that route, at that status,
 * with its code and a body matching the documented schema; and every code a route documents
 * must have been answered at least once (a shutdown race and an internal failure aside).
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApprovalTask, GoferError, memoryLogger, Pipeline, Task, type ErrorCode } from '@gofer/core';
import intervalExtension from '@gofer/extension-interval';
import { errorCodesOf } from '../../core/src/server/route-schema.js';
import { buildRoutes } from '../../core/src/server/routes/index.js';
import { startGofer } from '../../core/src/composition/start-gofer.js';
import { RUN_STORE } from '../../core/src/runs/run-store.js';
import { planTasks } from '../../core/src/pipelines/task-plan.js';
import { attachApiServer } from '../../core/src/server/start-service.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { fixture } from '../helpers/fixtures.js';
import { api } from './service-harness.js';

/** Documented, but not provoked here: why. */
const NOT_PROVOKED: Partial<Record<ErrorCode, string>> = {
  ERR_INTERNAL: 'an unexpected failure inside Gofer',
  ERR_GOFER_CLOSED: 'a run started while the service shuts down',
};

/** A scheduler whose engine cannot be reached when asked to list containers (orphan reaping). */
class EngineDownScheduler extends FakeScheduler {
  override async listContainers(): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>> {
    throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', 'The fake engine is down.');
  }
}

type Operation = { operationId: string; responses: Record<string, { description: string; content?: Record<string, { schema: object }> }> };

test('every error a route answers is documented for it, and every documented error is answered', async () => {
  const scheduler = new EngineDownScheduler();
  const core = await startGofer({
    useEnv: false,
    logger: memoryLogger('error'),
    plugins: [scheduler.definition(), intervalExtension],
    // No secretKey: secrets cannot be stored (503). The fixture extension fails to load (503 on subscribing to it).
    config: { dataDir: ':memory:', scheduler: 'fake', discover: false, reapOrphans: false, pluginDirs: [fixture('extension-create-throws')] },
  });
  const { gofer } = core;
  const { server, tokens } = await attachApiServer(core, { host: '127.0.0.1', port: 0 });
  const url = server.address.url;
  try {
    const admin = tokens.bootstrap().secret;
    const m = api(url, admin);
    for (const ns of ['ns-a', 'ns-b']) assert.is((await m('POST', '/api/namespaces', { namespaceId: ns })).status, 201);
    const config = new Pipeline('errp', 'Error paths').tasks(new Task('only', 'img').command('true')).build();
    assert.is((await m('POST', '/api/pipelines', { config, namespace: 'ns-a' })).status, 201);
    const disabled = new Pipeline('errd', 'Disabled').tasks(new Task('only', 'img').command('true')).build();
    assert.is((await m('POST', '/api/pipelines', { config: disabled, namespace: 'ns-a' })).status, 201);
    // A complete run of the disabled pipeline (made before it was disabled): its rerun is refused.
    await gofer.runs.wait('errd', ((await m('POST', '/api/pipelines/errd/runs')).json as { runId: number }).runId);
    assert.is((await m('POST', '/api/pipelines/errd/disable')).status, 200);
    // Two pipelines sharing a concurrency group in mode skip: errh's run is complete, errg's hangs (the group is full).
    scheduler.script('hang', { hang: true });
    for (const [id, task] of [
      ['errh', 'only'],
      ['errg', 'hang'],
    ] as const) {
      const busy = new Pipeline(id, 'Busy group').concurrency('errgroup', { mode: 'skip' }).tasks(new Task(task, 'img').command('true')).build();
      assert.is((await m('POST', '/api/pipelines', { config: busy, namespace: 'ns-a' })).status, 201);
      const started = (await m('POST', `/api/pipelines/${id}/runs`)).json as { runId: number };
      if (id === 'errh') await gofer.runs.wait(id, started.runId);
    }
    // A run the orchestrator does not drive (as after a failed execution): deleting its pipeline is a conflict.
    const stuck = new Pipeline('errc', 'Stuck run').tasks(new Task('only', 'img').command('true')).build();
    assert.is((await m('POST', '/api/pipelines', { config: stuck, namespace: 'ns-a' })).status, 201);
    core.container.resolve(RUN_STORE).createRun('errc', 1, planTasks(stuck).tasks, {}, { kind: 'api', name: 'test' });
    const run = (await m('POST', '/api/pipelines/errp/runs')).json as { runId: number };
    await gofer.runs.wait('errp', run.runId);
    assert.is((await m('PUT', '/api/pipelines/errp/objects/obj', new Uint8Array([1]))).status, 204);
    assert.is((await m('POST', '/api/pipelines/errp/subscriptions', { extension: 'interval', label: 'hourly', settings: { every: '1h' } })).status, 201);
    // Approval gates (approveTask, rejectTask): one already decided (a conflict), one only a run token may decide (forbidden).
    const gates = new Pipeline('erra', 'Approval gates')
      .tasks(new ApprovalTask('open_gate', 'Go?'), new ApprovalTask('locked_gate', 'Go?').approvers({ kinds: ['run'] }))
      .build();
    assert.is((await m('POST', '/api/pipelines', { config: gates, namespace: 'ns-a' })).status, 201);
    const gateRun = (await m('POST', '/api/pipelines/erra/runs')).json as { runId: number };
    for (let i = 0; (await gofer.tasks.get('erra', gateRun.runId, 'open_gate')).state !== 'waiting_approval'; i++) {
      assert.ok(i < 500, 'the gate waits');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.is((await m('POST', `/api/pipelines/erra/runs/${gateRun.runId}/tasks/open_gate/approve`, {})).status, 200);
    const otherNamespace = ((await m('POST', '/api/tokens', { kind: 'client', namespaces: ['ns-b'] })).json as { secret: string }).secret;

    const rawDoc = (await m('GET', '/api/openapi.json')).json as object;
    const doc = (await SwaggerParser.dereference(structuredClone(rawDoc) as never)) as unknown as { paths: Record<string, Record<string, Operation>> };
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validators = new Map<object, ValidateFunction>();
    const validatorOf = (schema: object) => validators.get(schema) ?? validators.set(schema, ajv.compile(schema)).get(schema)!;

    const VALID: Record<string, string> = {
      pipelineId: 'errp',
      runId: String(run.runId),
      taskId: 'only',
      version: '1',
      key: 'obj',
      tokenId: 'no-such-token',
      namespaceId: 'ns-b',
      name: 'interval',
      subscriptionId: 'no-such-sub',
    };
    const UNKNOWN: Record<string, string> = {
      pipelineId: 'nopipe',
      runId: '999',
      taskId: 'notask',
      version: '99',
      key: 'nokey',
      namespaceId: 'nons',
      name: 'noext',
    };
    const MALFORMED: Record<string, string> = {
      pipelineId: 'bad%20id!',
      runId: 'x',
      taskId: 'bad!',
      version: '0',
      key: 'bad key',
      namespaceId: 'bad!',
      name: 'bad!',
      tokenId: '%E0%A4%A', // not a valid percent-encoding
      subscriptionId: 'y'.repeat(2000), // longer than any path parameter may be
    };
    const BODIES: Record<string, unknown> = {
      registerPipeline: { config, namespace: 'ns-a' },
      createToken: { kind: 'client', namespaces: ['ns-a'] },
      createNamespace: { namespaceId: 'ns-c' },
      deployPipeline: { version: 1 },
      startRun: { variables: { A: '1' } },
      putGlobalSecret: { value: 'v' },
      putPipelineSecret: { value: 'v' },
      createSubscription: { extension: 'interval', label: 'other', settings: { every: '2h' } },
      putPipelineObject: new Uint8Array([1]),
      putRunObject: new Uint8Array([1]),
    };
    /** Each route's own failures: [params, body, query] overrides. */
    const SPECIFIC: Record<string, Array<{ params?: Record<string, string>; body?: unknown; query?: string; token?: string }>> = {
      bootstrapToken: [{}],
      createToken: [{ body: { kind: 'client', namespaces: ['nons'] } }, { body: { kind: 'client' } }],
      createNamespace: [{ body: { namespaceId: 'ns-a' } }],
      deleteNamespace: [{ params: { namespaceId: 'ns-a' } }, { params: { namespaceId: 'default' } }],
      registerPipeline: [
        { body: { config: { ...config, id: 'errnew' }, namespace: 'nons' } },
        { body: { config, namespace: 'ns-b' } },
        { body: { config: { id: 'x', name: 'bad', tasks: [] } } },
        { body: { config: { ...config, tasks: [{ id: 'aaa', image: 'i', dependsOn: { aaa: 'success' } }] } } },
      ],
      startRun: [{ params: { pipelineId: 'errd' } }, { body: { variables: { 'not a name': 'x' } } }, { params: { pipelineId: 'errg' } }],
      rerunRun: [
        { params: { pipelineId: 'errc', runId: '1' } },
        { body: { mode: 'task' } },
        { body: { mode: 'task', taskId: 'notask' } },
        { params: { pipelineId: 'errd', runId: '1' } },
        { params: { pipelineId: 'errh', runId: '1' } },
      ],
      deployPipeline: [{ body: { version: 42 } }],
      putGlobalSecret: [{}],
      putPipelineSecret: [{}],
      deleteGlobalSecret: [{ params: { key: 'nokey' } }],
      reapOrphans: [{}],
      // Issue 15: the run of errp is complete, so cancelling its task is a conflict.
      cancelTask: [{}],
      createSubscription: [
        { body: { extension: 'nope', label: 'x', settings: {} } },
        { body: { extension: 'fixture-broken-ext', label: 'x', settings: {} } },
        { body: { extension: 'interval', label: 'hourly', settings: { every: '1h' } } },
        { body: { extension: 'interval', label: 'soon', settings: { every: 'soon' } } },
      ],
      getToken: [{ params: { tokenId: 'no-such-token' } }],
      deleteToken: [{ params: { tokenId: 'no-such-token' } }],
      deleteSubscription: [{ params: { subscriptionId: 'no-such-sub' } }],
      deletePipeline: [{ params: { pipelineId: 'errc' } }],
      approveTask: [
        { body: {} },
        { params: { pipelineId: 'erra', runId: String(gateRun.runId), taskId: 'open_gate' }, body: {} },
        { params: { pipelineId: 'erra', runId: String(gateRun.runId), taskId: 'locked_gate' }, body: {} },
      ],
      rejectTask: [
        { body: { comment: 'no' } },
        { params: { pipelineId: 'erra', runId: String(gateRun.runId), taskId: 'open_gate' }, body: {} },
        { params: { pipelineId: 'erra', runId: String(gateRun.runId), taskId: 'locked_gate' }, body: {} },
      ],
    };
    const BAD_QUERY: Record<string, string> = { integer: 'abc', boolean: 'maybe', string: '!!' };

    const seen = new Map<string, Set<ErrorCode>>();
    const bad: string[] = [];
    let calls = 0;
    for (const route of buildRoutes()) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      assert.ok(op, `${route.operationId} is documented`);
      const codes = new Set<ErrorCode>();
      seen.set(route.operationId, codes);
      const call = async (
        what: string,
        opts: { params?: Record<string, string>; body?: unknown; query?: string; token?: string | null; raw?: string | Uint8Array },
      ) => {
        const path = route.path.replace(/\{(\w+)\}/g, (_, p: string) => opts.params?.[p] ?? VALID[p] ?? 'x') + (opts.query ? `?${opts.query}` : '');
        const headers: Record<string, string> = opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? admin}` };
        let res: { status: number; text: string; json?: { error?: { code?: ErrorCode } } };
        if (opts.raw !== undefined) {
          const r = await fetch(`${url}${path}`, { method: route.method, body: opts.raw, headers: { ...headers, 'content-type': 'application/json' } });
          const text = await r.text();
          res = { status: r.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
        } else {
          const body = opts.body !== undefined ? opts.body : route.body ? BODIES[route.operationId] : undefined;
          res = await api(url)(route.method, path, body, headers);
        }
        calls++;
        const label = `${route.operationId} (${what}: ${route.method} ${path}) -> ${res.status} ${res.text.slice(0, 200)}`;
        if (res.status < 400) return;
        const code = res.json?.error?.code;
        if (typeof code !== 'string') return void bad.push(`uncoded error: ${label}`);
        codes.add(code);
        const documented = op.responses[String(res.status)];
        if (!documented) return void bad.push(`undocumented status: ${label}`);
        if (!documented.description.includes(`\`${code}\``)) bad.push(`${code} is not named under ${res.status}: ${label}`);
        const schema = documented.content?.['application/json']?.schema;
        if (!schema) return void bad.push(`no error schema: ${label}`);
        const validate = validatorOf(schema);
        if (!validate(res.json)) bad.push(`body does not match the documented schema: ${label}: ${ajv.errorsText(validate.errors)}`);
      };

      if (!route.public) {
        await call('no token', { token: null });
        await call('another namespace', { token: otherNamespace });
      }
      for (const param of Object.keys(route.params ?? {})) {
        if (UNKNOWN[param]) await call(`unknown ${param}`, { params: { [param]: UNKNOWN[param] } });
        if (MALFORMED[param]) await call(`malformed ${param}`, { params: { [param]: MALFORMED[param] } });
      }
      for (const [name, schema] of Object.entries(route.query ?? {})) {
        const type = (schema as { type?: string; pattern?: string }).type;
        if (type && BAD_QUERY[type] && (type !== 'string' || (schema as { pattern?: string }).pattern))
          await call(`bad ${name}`, { query: `${name}=${BAD_QUERY[type]}` });
      }
      if (route.body && route.body !== 'binary') {
        await call('body of the wrong shape', { body: { nope: 1 } });
        await call('malformed JSON', { raw: '{"a":' });
      }
      if (route.body) await call('body too large', { raw: new Uint8Array(17 * 1024 * 1024) });
      for (const [i, specific] of (SPECIFIC[route.operationId] ?? []).entries()) await call(`specific #${i}`, specific);
    }

    const unprovoked: string[] = [];
    for (const route of buildRoutes()) {
      for (const code of errorCodesOf(route).keys()) {
        if (NOT_PROVOKED[code] === undefined && !seen.get(route.operationId)!.has(code)) unprovoked.push(`${route.operationId}: ${code}`);
      }
    }
    console.log(
      `figure: error paths: ${calls} calls over ${buildRoutes().length} routes; ${bad.length} wrong answers, ${unprovoked.length} documented codes never answered`,
    );
    assert.equal(bad, [], 'every error answered is documented');
    assert.equal(unprovoked, [], 'every documented code was answered');
  } finally {
    await gofer.close();
  }
});

test.run();
