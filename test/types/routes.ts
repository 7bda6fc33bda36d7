/** A route handler's params, query and body are typed from its schemas; its answers are checked against its responses. */
import { Type } from 'typebox';
import { defineRoute } from '../../core/src/server/route.js';
import { ID_PARAM, ref, RUN_ID_PARAM } from '../../core/src/server/schemas.js';

defineRoute({
  method: 'POST',
  path: '/api/pipelines/{pipelineId}/runs/{runId}/things',
  operationId: 'typed',
  summary: 'Type test.',
  tag: 'test',
  access: 'namespace',
  params: { pipelineId: ID_PARAM, runId: RUN_ID_PARAM },
  query: { limit: Type.Integer() },
  body: Type.Object({ name: Type.String(), count: Type.Optional(Type.Integer()) }),
  responses: { 201: { description: 'Made.', schema: ref('Keys') }, 204: { description: 'Nothing to do.' } },
  async handle(ctx) {
    const pipelineId: string = ctx.params.pipelineId;
    const runId: number = ctx.params.runId; // coerced from the path
    const limit: number | undefined = ctx.query.limit;
    const name: string = ctx.body.name;
    // @ts-expect-error the path has no such parameter
    void ctx.params.taskId;
    // @ts-expect-error count may be absent
    const count: number = ctx.body.count;
    void [pipelineId, runId, limit, name, count];
    if (name === 'none') return { status: 204 };
    return { status: 201, body: { keys: [name] } };
  },
});

defineRoute({
  method: 'GET',
  path: '/api/wrong-status',
  operationId: 'wrongStatus',
  summary: 'Type test.',
  tag: 'test',
  access: 'any',
  responses: { 200: { description: 'Ok.', schema: ref('Keys') } },
  // @ts-expect-error 201 is not one of its responses
  async handle(_ctx) {
    return { status: 201, body: { keys: [] } };
  },
});

defineRoute({
  method: 'GET',
  path: '/api/wrong-body',
  operationId: 'wrongBody',
  summary: 'Type test.',
  tag: 'test',
  access: 'any',
  responses: { 200: { description: 'Ok.', schema: ref('Keys') } },
  // @ts-expect-error keys must be strings
  async handle(_ctx) {
    return { status: 200, body: { keys: [1] } };
  },
});

defineRoute({
  method: 'GET',
  path: '/api/stream',
  operationId: 'stream',
  summary: 'Type test.',
  tag: 'test',
  access: 'any',
  responses: { 200: { description: 'Ok.', contentType: 'text/plain', events: Type.Union([ref('LogMessage'), ref('StreamError')]) } },
  async handle(ctx) {
    const sse = ctx.sse();
    await sse.send({ event: 'log', data: { text: 'hi' } });
    // @ts-expect-error not one of the route's messages
    await sse.send({ event: 'end', data: {} });
    sse.end();
    return 'streamed';
  },
});
