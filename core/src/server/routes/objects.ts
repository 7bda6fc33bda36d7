/** Objects: pipeline-scoped and run-scoped bytes (application/octet-stream). */
import type { JsonSchema } from '../../api/index.js';
import type { Route, RouteContext } from '../route.js';
import { ID_PARAM, KEY_PARAM, ref, RUN_ID_PARAM } from '../schemas.js';
import { accessiblePipeline } from './access.js';

async function scopeOf(ctx: RouteContext): Promise<{ pipelineId: string; runId?: number }> {
  await accessiblePipeline(ctx);
  const scope: { pipelineId: string; runId?: number } = { pipelineId: ctx.params.pipelineId! };
  if (ctx.params.runId !== undefined) scope.runId = Number(ctx.params.runId);
  return scope;
}

function objectRoutesAt(base: string, params: Record<string, JsonSchema>, scope: 'Pipeline' | 'Run'): Route[] {
  const keyed = { ...params, key: KEY_PARAM };
  return [
    {
      method: 'GET', path: base, operationId: `list${scope}Objects`, tag: 'objects',
      summary: `Lists ${scope.toLowerCase()} object keys.`,
      params,
      responses: { 200: { description: 'The keys.', schema: ref('Keys') } },
      async handle(ctx) {
        return { status: 200, body: { keys: await ctx.gofer.objects.list(await scopeOf(ctx)) } };
      },
    },
    {
      method: 'PUT', path: `${base}/{key}`, operationId: `put${scope}Object`, tag: 'objects',
      summary: `Stores a ${scope.toLowerCase()} object (the raw request body).`,
      params: keyed,
      body: 'binary',
      responses: { 204: { description: 'Stored.' } },
      async handle(ctx) {
        await ctx.gofer.objects.put(await scopeOf(ctx), ctx.params.key!, new Uint8Array(ctx.body as Buffer));
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: `${base}/{key}`, operationId: `get${scope}Object`, tag: 'objects',
      summary: `Reads a ${scope.toLowerCase()} object's bytes.`,
      params: keyed,
      responses: { 200: { description: 'The bytes.', contentType: 'application/octet-stream' } },
      async handle(ctx) {
        const bytes = await ctx.gofer.objects.get(await scopeOf(ctx), ctx.params.key!);
        return { status: 200, bytes, contentType: 'application/octet-stream' };
      },
    },
    {
      method: 'DELETE', path: `${base}/{key}`, operationId: `delete${scope}Object`, tag: 'objects',
      summary: `Deletes a ${scope.toLowerCase()} object.`,
      params: keyed,
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await ctx.gofer.objects.delete(await scopeOf(ctx), ctx.params.key!);
        return { status: 204 };
      },
    },
  ];
}

export function objectRoutes(): Route[] {
  return [
    ...objectRoutesAt('/api/pipelines/{pipelineId}/objects', { pipelineId: ID_PARAM }, 'Pipeline'),
    ...objectRoutesAt('/api/pipelines/{pipelineId}/runs/{runId}/objects', { pipelineId: ID_PARAM, runId: RUN_ID_PARAM }, 'Run'),
  ];
}
