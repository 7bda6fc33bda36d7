/** Runs: start with runtime variables, list, get, cancel. */
import { Type } from 'typebox';
import { PAGE_LIMITS } from '../../api/index.js';
import { principalName } from '../../auth/principal.js';
import { defineRoute, type Route } from '../route.js';
import { ID_PARAM, limitParam, pageOf, ref, RUN_ID_PARAM, VARIABLES_BODY } from '../schemas.js';
import { accessiblePipeline, page } from './access.js';

const pipelineId = { pipelineId: ID_PARAM };
const runParams = { pipelineId: ID_PARAM, runId: RUN_ID_PARAM };

export function runRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs',
      operationId: 'listRuns',
      tag: 'runs',
      access: 'namespace',
      summary: 'Lists runs, newest first, a page at a time: `next` (on a full page) is the `before` of the next page.',
      params: pipelineId,
      query: {
        limit: limitParam(PAGE_LIMITS.runs),
        before: Type.Integer({ minimum: 1, description: 'Only runs with a smaller run id: the `next` of the previous page.' }),
      },
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.', ERR_INVALID_ARGUMENT: 'The limit or the cursor is out of range.' },
      responses: { 200: { description: 'A page of runs.', schema: pageOf('Run', Type.Integer({ description: 'The last run id of this page.' })) } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        const limit = ctx.query.limit ?? PAGE_LIMITS.runs.default;
        const before = ctx.query.before;
        const runs = await ctx.gofer.runs.list(ctx.params.pipelineId, { limit, ...(before !== undefined ? { before } : {}) });
        return page(runs, limit, (r) => r.runId);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/runs',
      operationId: 'startRun',
      tag: 'runs',
      access: 'namespace',
      summary: 'Starts a run of the live version with runtime variables (the body may be left out: no variables).',
      params: pipelineId,
      body: Type.Object(
        {
          variables: Type.Optional(VARIABLES_BODY),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 0, description: "This run's time limit in ms, over the pipeline's (0: none)." })),
        },
        { additionalProperties: false },
      ),
      errors: {
        ERR_NOT_FOUND: 'The pipeline does not exist.',
        ERR_PIPELINE_DISABLED: 'The pipeline is disabled.',
        ERR_GOFER_CLOSED: 'The service is shutting down; no new runs start.',
        ERR_INVALID_ARGUMENT: "A runtime variable is malformed, or one the pipeline's concurrency group names is missing.",
        ERR_CONCURRENCY_GROUP_BUSY: "The pipeline's concurrency group (mode skip) is full: the run was refused.",
      },
      responses: { 201: { description: 'The run (pending until limits allow it to start).', schema: ref('Run') } },
      async handle(ctx) {
        const info = await accessiblePipeline(ctx, ctx.params.pipelineId);
        const run = await ctx.gofer.runs.start(info.pipelineId, {
          variables: ctx.body.variables ?? {},
          initiator: { kind: 'api', name: principalName(ctx.principal) },
          ...(ctx.body.timeoutMs !== undefined ? { timeoutMs: ctx.body.timeoutMs } : {}),
        });
        return { status: 201, body: run };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/rerun',
      operationId: 'rerunRun',
      tag: 'runs',
      access: 'namespace',
      summary:
        'Reruns a complete run as a new run (same pinned version and variables): mode all (default), failed (what did not succeed; successful tasks are carried over) or task (one task, withDependents for everything downstream; the rest is carried over).',
      params: runParams,
      body: Type.Object(
        {
          mode: Type.Optional(Type.Enum(['all', 'failed', 'task'])),
          taskId: Type.Optional(Type.String({ minLength: 1 })),
          withDependents: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      errors: {
        ERR_NOT_FOUND: 'The pipeline, the run or the task (mode task) does not exist.',
        ERR_CONFLICT: 'The run is not complete yet.',
        ERR_INVALID_ARGUMENT: 'Mode task without a task id, or a task id with another mode.',
        ERR_PIPELINE_DISABLED: 'The pipeline is disabled.',
        ERR_CONCURRENCY_GROUP_BUSY: "The pipeline's concurrency group (mode skip) is full: the rerun was refused.",
        ERR_GOFER_CLOSED: 'The service is shutting down; no new runs start.',
      },
      responses: { 201: { description: 'The new run (pending until limits allow it to start).', schema: ref('Run') } },
      async handle(ctx) {
        const info = await accessiblePipeline(ctx, ctx.params.pipelineId);
        const run = await ctx.gofer.runs.rerun(info.pipelineId, ctx.params.runId, {
          ...(ctx.body.mode ? { mode: ctx.body.mode } : {}),
          ...(ctx.body.taskId !== undefined ? { taskId: ctx.body.taskId } : {}),
          ...(ctx.body.withDependents ? { withDependents: true } : {}),
          initiator: { kind: 'api', name: principalName(ctx.principal) },
        });
        return { status: 201, body: run };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/runs/{runId}',
      operationId: 'getRun',
      tag: 'runs',
      access: 'namespace',
      summary: 'Gets a run: state, status and reason, variables.',
      params: runParams,
      errors: { ERR_NOT_FOUND: 'The pipeline or the run does not exist.' },
      responses: { 200: { description: 'The run.', schema: ref('Run') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.runs.get(ctx.params.pipelineId, ctx.params.runId) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/runs/{runId}/cancel',
      operationId: 'cancelRun',
      tag: 'runs',
      access: 'namespace',
      summary: 'Cancels a run: running containers are stopped, waiting tasks cancelled.',
      params: runParams,
      errors: { ERR_NOT_FOUND: 'The pipeline or the run does not exist.' },
      responses: { 200: { description: 'The run after the cancel request.', schema: ref('Run') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.runs.cancel(ctx.params.pipelineId, ctx.params.runId) };
      },
    }),
  ];
}
