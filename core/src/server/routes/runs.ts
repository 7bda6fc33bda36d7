/** Runs: start with runtime variables, list, get, cancel. */
import type { Route } from '../route.js';
import { ID_PARAM, listOf, ref, RUN_ID_PARAM, VARIABLES_BODY } from '../schemas.js';
import { principalName } from '../../auth/principal.js';
import { accessiblePipeline, items, runIdOf } from './access.js';

const pipelineId = { pipelineId: ID_PARAM };
const runParams = { pipelineId: ID_PARAM, runId: RUN_ID_PARAM };

export function runRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/runs', operationId: 'listRuns', tag: 'runs',
      summary: 'Lists runs, newest first.',
      params: pipelineId,
      query: { limit: { type: 'integer', minimum: 1, maximum: 1000 } },
      responses: { 200: { description: 'The runs.', schema: listOf('Run') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        const limit = ctx.query.limit as number | undefined;
        return items(await ctx.gofer.runs.list(ctx.params.pipelineId!, limit ? { limit } : {}));
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/runs', operationId: 'startRun', tag: 'runs',
      summary: 'Starts a run of the live version with runtime variables.',
      params: pipelineId,
      body: { type: 'object', additionalProperties: false, properties: { variables: VARIABLES_BODY } },
      responses: {
        201: { description: 'The run (pending until limits allow it to start).', schema: ref('Run') },
        409: { description: 'The pipeline is disabled.', schema: ref('Error') },
      },
      async handle(ctx) {
        const info = await accessiblePipeline(ctx);
        const variables = (ctx.body as { variables?: Record<string, string> }).variables ?? {};
        const run = await ctx.gofer.runs.start(info.pipelineId, { variables, initiator: { kind: 'api', name: principalName(ctx.principal) } });
        return { status: 201, body: run };
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/runs/{runId}', operationId: 'getRun', tag: 'runs',
      summary: 'Gets a run: state, status and reason, variables.',
      params: runParams,
      responses: { 200: { description: 'The run.', schema: ref('Run') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.runs.get(ctx.params.pipelineId!, runIdOf(ctx)) };
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/runs/{runId}/cancel', operationId: 'cancelRun', tag: 'runs',
      summary: 'Cancels a run: running containers are stopped, waiting tasks cancelled.',
      params: runParams,
      responses: { 200: { description: 'The run after the cancel request.', schema: ref('Run') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.runs.cancel(ctx.params.pipelineId!, runIdOf(ctx)) };
      },
    },
  ];
}
