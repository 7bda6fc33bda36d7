/** Plugins (with load failures), orphan reaping, extensions and subscriptions. */
import { Type } from 'typebox';
import { GoferError } from '../../api/index.js';
import { defineRoute, type Route } from '../route.js';
import { ID_PARAM, listOf, ref } from '../schemas.js';
import { accessiblePipeline, items } from './access.js';

const LABEL = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });

export function pluginRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/plugins',
      operationId: 'listPlugins',
      tag: 'plugins',
      access: 'any',
      summary: 'Lists every plugin found: active, loaded, or failed with its reason.',
      responses: { 200: { description: 'The plugins.', schema: listOf('PluginInfo') } },
      async handle(ctx) {
        return items(ctx.gofer.plugins.list());
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/orphans/reap',
      operationId: 'reapOrphans',
      tag: 'plugins',
      access: 'management',
      summary: 'Removes containers this instance started whose task has finished or no longer exists (management tokens only).',
      errors: { ERR_SCHEDULER_UNAVAILABLE: 'The scheduler (for example the Docker engine) cannot be reached.' },
      responses: { 200: { description: 'What was removed and kept.', schema: ref('ReapResult') } },
      async handle(ctx) {
        return { status: 200, body: await ctx.gofer.reapOrphans() };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/extensions',
      operationId: 'listExtensions',
      tag: 'extensions',
      access: 'any',
      summary: 'Lists the trigger extensions found, with their status, process and subscription counts.',
      responses: { 200: { description: 'The extensions.', schema: listOf('ExtensionInfo') } },
      async handle(ctx) {
        return items(await ctx.gofer.extensions.list());
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/extensions/{name}',
      operationId: 'getExtension',
      tag: 'extensions',
      access: 'any',
      summary: 'Gets one extension, with its subscription settings schema.',
      params: { name: ID_PARAM },
      errors: { ERR_NOT_FOUND: 'No extension of that name was found.' },
      responses: { 200: { description: 'The extension.', schema: ref('ExtensionInfo') } },
      async handle(ctx) {
        return { status: 200, body: await ctx.gofer.extensions.get(ctx.params.name) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/subscriptions',
      operationId: 'listSubscriptions',
      tag: 'subscriptions',
      access: 'namespace',
      summary: "Lists a pipeline's subscriptions to trigger extensions.",
      params: { pipelineId: ID_PARAM },
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The subscriptions.', schema: listOf('Subscription') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return items(await ctx.gofer.subscriptions.list({ pipelineId: ctx.params.pipelineId }));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/subscriptions',
      operationId: 'createSubscription',
      tag: 'subscriptions',
      access: 'namespace',
      summary: 'Subscribes the pipeline to an extension with settings (validated against its schema).',
      params: { pipelineId: ID_PARAM },
      body: Type.Object(
        { extension: Type.String({ minLength: 1 }), label: LABEL, settings: Type.Optional(Type.Record(Type.String(), Type.String())) },
        { additionalProperties: false },
      ),
      errors: {
        ERR_INVALID_ARGUMENT:
          "The request is invalid, or the settings do not match the extension's subscription schema; `details.problems` lists every problem with its path.",
        ERR_NOT_FOUND: 'The pipeline does not exist, or no extension of that name is loaded.',
        ERR_CONFLICT: 'The pipeline already has a subscription to this extension with this label.',
        ERR_EXTENSION_UNAVAILABLE: 'The extension is installed but failed to load.',
      },
      responses: { 201: { description: 'The subscription (status error when the extension refused it).', schema: ref('Subscription') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 201, body: await ctx.gofer.subscriptions.create({ ...ctx.body, pipelineId: ctx.params.pipelineId }) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/pipelines/{pipelineId}/subscriptions/{subscriptionId}',
      operationId: 'deleteSubscription',
      tag: 'subscriptions',
      access: 'namespace',
      summary: 'Unsubscribes and removes a subscription.',
      params: { pipelineId: ID_PARAM, subscriptionId: Type.String({ minLength: 1 }) },
      errors: { ERR_NOT_FOUND: 'The pipeline or the subscription does not exist.' },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        const sub = await ctx.gofer.subscriptions.get(ctx.params.subscriptionId);
        if (sub.pipelineId !== ctx.params.pipelineId) {
          throw new GoferError('ERR_NOT_FOUND', `The pipeline "${ctx.params.pipelineId}" has no subscription ${ctx.params.subscriptionId}.`);
        }
        await ctx.gofer.subscriptions.delete(sub.subscriptionId);
        return { status: 204 };
      },
    }),
  ];
}
