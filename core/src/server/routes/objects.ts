/** Objects: pipeline-scoped and run-scoped bytes (application/octet-stream). */
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { ID_PARAM, KEY_PARAM, ref, RUN_ID_PARAM } from '../schemas.js';
import { accessiblePipeline } from './access.js';

type Scope = { pipelineId: string; runId?: number };
type ScopeParams = { pipelineId: typeof ID_PARAM; runId?: typeof RUN_ID_PARAM };

async function scopeOf(ctx: Pick<RouteContext, 'gofer' | 'principal'>, params: Scope): Promise<Scope> {
  await accessiblePipeline(ctx, params.pipelineId);
  return params.runId === undefined ? { pipelineId: params.pipelineId } : { pipelineId: params.pipelineId, runId: params.runId };
}

function objectRoutesAt(base: string, params: ScopeParams, scope: 'Pipeline' | 'Run'): Route[] {
  const keyed = { ...params, key: KEY_PARAM };
  const what = scope.toLowerCase();
  const owner = scope === 'Run' ? 'The pipeline or the run' : 'The pipeline';
  const missing = { ERR_NOT_FOUND: `${owner} does not exist.` };
  const missingObject = { ERR_NOT_FOUND: `${owner} or the object does not exist.` };
  return [
    defineRoute({
      method: 'GET',
      path: base,
      operationId: `list${scope}Objects`,
      tag: 'objects',
      access: 'namespace',
      summary: `Lists ${what} object keys.`,
      params,
      errors: missing,
      responses: { 200: { description: 'The keys.', schema: ref('Keys') } },
      async handle(ctx) {
        return { status: 200, body: { keys: await ctx.gofer.objects.list(await scopeOf(ctx, ctx.params as Scope)) } };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${base}/{key}`,
      operationId: `put${scope}Object`,
      tag: 'objects',
      access: 'namespace',
      summary: `Stores a ${what} object (the raw request body).`,
      params: keyed,
      body: 'binary',
      errors: missing,
      responses: { 204: { description: 'Stored.' } },
      async handle(ctx) {
        await ctx.gofer.objects.put(await scopeOf(ctx, ctx.params as Scope), ctx.params.key, new Uint8Array(ctx.body));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${base}/{key}`,
      operationId: `get${scope}Object`,
      tag: 'objects',
      access: 'namespace',
      summary: `Reads a ${what} object's bytes.`,
      params: keyed,
      errors: missingObject,
      responses: { 200: { description: 'The bytes.', contentType: 'application/octet-stream' } },
      async handle(ctx) {
        const bytes = await ctx.gofer.objects.get(await scopeOf(ctx, ctx.params as Scope), ctx.params.key);
        return { status: 200, bytes, contentType: 'application/octet-stream' };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${base}/{key}`,
      operationId: `delete${scope}Object`,
      tag: 'objects',
      access: 'namespace',
      summary: `Deletes a ${what} object.`,
      params: keyed,
      errors: missingObject,
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await ctx.gofer.objects.delete(await scopeOf(ctx, ctx.params as Scope), ctx.params.key);
        return { status: 204 };
      },
    }),
  ];
}

export function objectRoutes(): Route[] {
  return [
    ...objectRoutesAt('/api/pipelines/{pipelineId}/objects', { pipelineId: ID_PARAM }, 'Pipeline'),
    ...objectRoutesAt('/api/pipelines/{pipelineId}/runs/{runId}/objects', { pipelineId: ID_PARAM, runId: RUN_ID_PARAM }, 'Run'),
  ];
}
