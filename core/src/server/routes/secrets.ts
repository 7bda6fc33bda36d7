/** Secrets: values are write-only; reads list keys. Global secrets need a management token. */
import { Type } from 'typebox';
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { ID_PARAM, KEY_PARAM, ref } from '../schemas.js';
import { accessiblePipeline } from './access.js';

const VALUE_BODY = Type.Object({ value: Type.String() }, { additionalProperties: false });
const NO_KEY = 'No secret store key is configured (GOFER_SECRET_KEY), so secrets cannot be stored.';

/** The pipeline's scope, once the caller may act on it (global routes need a management token: the server checks). */
async function scopeOf(ctx: Pick<RouteContext, 'gofer' | 'principal'>, pipelineId: string): Promise<{ pipelineId: string }> {
  await accessiblePipeline(ctx, pipelineId);
  return { pipelineId };
}

function globalSecretRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/secrets',
      operationId: 'listGlobalSecrets',
      tag: 'secrets',
      access: 'management',
      summary: 'Lists global secret keys (never values).',
      responses: { 200: { description: 'The keys.', schema: ref('Keys') } },
      async handle(ctx) {
        return { status: 200, body: { keys: await ctx.gofer.secrets.list({}) } };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/secrets/{key}',
      operationId: 'putGlobalSecret',
      tag: 'secrets',
      access: 'management',
      summary: 'Stores a global secret (encrypted at rest); replaces an existing value.',
      params: { key: KEY_PARAM },
      body: VALUE_BODY,
      errors: { ERR_SECRET_KEY_INVALID: NO_KEY },
      responses: { 204: { description: 'Stored.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.put({}, ctx.params.key, ctx.body.value);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/secrets/{key}',
      operationId: 'deleteGlobalSecret',
      tag: 'secrets',
      access: 'management',
      summary: 'Deletes a global secret.',
      params: { key: KEY_PARAM },
      errors: { ERR_NOT_FOUND: 'The secret does not exist.' },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.delete({}, ctx.params.key);
        return { status: 204 };
      },
    }),
  ];
}

function pipelineSecretRoutes(): Route[] {
  const base = '/api/pipelines/{pipelineId}/secrets';
  return [
    defineRoute({
      method: 'GET',
      path: base,
      operationId: 'listPipelineSecrets',
      tag: 'secrets',
      access: 'namespace',
      summary: 'Lists pipeline secret keys (never values).',
      params: { pipelineId: ID_PARAM },
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The keys.', schema: ref('Keys') } },
      async handle(ctx) {
        return { status: 200, body: { keys: await ctx.gofer.secrets.list(await scopeOf(ctx, ctx.params.pipelineId)) } };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: `${base}/{key}`,
      operationId: 'putPipelineSecret',
      tag: 'secrets',
      access: 'namespace',
      summary: 'Stores a pipeline secret (encrypted at rest); replaces an existing value.',
      params: { pipelineId: ID_PARAM, key: KEY_PARAM },
      body: VALUE_BODY,
      errors: {
        ERR_NOT_FOUND: 'The pipeline does not exist.',
        ERR_SECRET_KEY_INVALID: NO_KEY,
      },
      responses: { 204: { description: 'Stored.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.put(await scopeOf(ctx, ctx.params.pipelineId), ctx.params.key, ctx.body.value);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: `${base}/{key}`,
      operationId: 'deletePipelineSecret',
      tag: 'secrets',
      access: 'namespace',
      summary: 'Deletes a pipeline secret.',
      params: { pipelineId: ID_PARAM, key: KEY_PARAM },
      errors: { ERR_NOT_FOUND: 'The pipeline or the secret does not exist.' },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await ctx.gofer.secrets.delete(await scopeOf(ctx, ctx.params.pipelineId), ctx.params.key);
        return { status: 204 };
      },
    }),
  ];
}

export function secretRoutes(): Route[] {
  return [...globalSecretRoutes(), ...pipelineSecretRoutes()];
}
