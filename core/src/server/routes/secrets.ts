/** Secrets: values are write-only; reads list keys. Global secrets need a management token. */
import { requireManagement } from '../../auth/principal.js';
import type { Route, RouteContext } from '../route.js';
import { ID_PARAM, KEY_PARAM, ref } from '../schemas.js';
import { accessiblePipeline } from './access.js';

const VALUE_BODY = { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'string' } } };

/** Global scope (management only) or the path's pipeline (namespace checked). */
async function scopeOf(ctx: RouteContext): Promise<{ pipelineId?: string }> {
  if (ctx.params.pipelineId === undefined) {
    requireManagement(ctx.principal);
    return {};
  }
  await accessiblePipeline(ctx);
  return { pipelineId: ctx.params.pipelineId };
}

function secretRoutesAt(base: string, params: Record<string, typeof ID_PARAM>, scope: 'global' | 'pipeline'): Route[] {
  const Scope = scope === 'global' ? 'Global' : 'Pipeline';
  return [
    {
      method: 'GET', path: base, operationId: `list${Scope}Secrets`, tag: 'secrets',
      summary: `Lists ${scope} secret keys (never values).`,
      ...(scope === 'pipeline' ? { params } : {}),
      responses: { 200: { description: 'The keys.', schema: ref('Keys') } },
      async handle(ctx) {
        return { status: 200, body: { keys: await ctx.gofer.secrets.list(await scopeOf(ctx)) } };
      },
    },
    {
      method: 'PUT', path: `${base}/{key}`, operationId: `put${Scope}Secret`, tag: 'secrets',
      summary: `Stores a ${scope} secret (encrypted at rest); replaces an existing value.`,
      params: { ...params, key: KEY_PARAM },
      body: VALUE_BODY,
      responses: { 204: { description: 'Stored.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.put(await scopeOf(ctx), ctx.params.key!, (ctx.body as { value: string }).value);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE', path: `${base}/{key}`, operationId: `delete${Scope}Secret`, tag: 'secrets',
      summary: `Deletes a ${scope} secret.`,
      params: { ...params, key: KEY_PARAM },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.delete(await scopeOf(ctx), ctx.params.key!);
        return { status: 204 };
      },
    },
  ];
}

export function secretRoutes(): Route[] {
  return [...secretRoutesAt('/api/secrets', {}, 'global'), ...secretRoutesAt('/api/pipelines/{pipelineId}/secrets', { pipelineId: ID_PARAM }, 'pipeline')];
}
