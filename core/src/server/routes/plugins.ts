/** Plugins (with load failures), orphan reaping, extensions and subscriptions. */
import { GoferError, type CreateSubscriptionRequest } from '../../api/index.js';
import type { Route } from '../route.js';
import { ID_PARAM, listOf, ref } from '../schemas.js';
import { requireManagement } from '../../auth/principal.js';
import { accessiblePipeline, items } from './access.js';

const LABEL = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,32}$' };

export function pluginRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/plugins', operationId: 'listPlugins', tag: 'plugins',
      summary: 'Lists every plugin found: active, loaded, or failed with its reason.',
      responses: { 200: { description: 'The plugins.', schema: listOf('PluginInfo') } },
      async handle(ctx) {
        return items(ctx.gofer.plugins.list());
      },
    },
    {
      method: 'POST', path: '/api/orphans/reap', operationId: 'reapOrphans', tag: 'plugins',
      summary: 'Removes containers this instance started whose task has finished or no longer exists (management tokens only).',
      responses: { 200: { description: 'What was removed and kept.', schema: ref('ReapResult') } },
      async handle(ctx) {
        requireManagement(ctx.principal);
        return { status: 200, body: await ctx.gofer.reapOrphans() };
      },
    },
    {
      method: 'GET', path: '/api/extensions', operationId: 'listExtensions', tag: 'extensions',
      summary: 'Lists the trigger extensions found, with their status, process and subscription counts.',
      responses: { 200: { description: 'The extensions.', schema: listOf('ExtensionInfo') } },
      async handle(ctx) {
        return items(await ctx.gofer.extensions.list());
      },
    },
    {
      method: 'GET', path: '/api/extensions/{name}', operationId: 'getExtension', tag: 'extensions',
      summary: 'Gets one extension, with its subscription settings schema.',
      params: { name: ID_PARAM },
      responses: { 200: { description: 'The extension.', schema: ref('ExtensionInfo') } },
      async handle(ctx) {
        return { status: 200, body: await ctx.gofer.extensions.get(ctx.params.name!) };
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/subscriptions', operationId: 'listSubscriptions', tag: 'subscriptions',
      summary: "Lists a pipeline's subscriptions to trigger extensions.",
      params: { pipelineId: ID_PARAM },
      responses: { 200: { description: 'The subscriptions.', schema: listOf('Subscription') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return items(await ctx.gofer.subscriptions.list({ pipelineId: ctx.params.pipelineId! }));
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/subscriptions', operationId: 'createSubscription', tag: 'subscriptions',
      summary: 'Subscribes the pipeline to an extension with settings (validated against its schema).',
      params: { pipelineId: ID_PARAM },
      body: {
        type: 'object', additionalProperties: false, required: ['extension', 'label'],
        properties: { extension: { type: 'string', minLength: 1 }, label: LABEL, settings: { type: 'object', additionalProperties: { type: 'string' } } },
      },
      responses: {
        201: { description: 'The subscription (status error when the extension refused it).', schema: ref('Subscription') },
        404: { description: 'No extension of that name is loaded (ERR_NOT_FOUND).', schema: ref('Error') },
        503: { description: 'The extension is installed but failed to load (ERR_EXTENSION_UNAVAILABLE).', schema: ref('Error') },
      },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        const req = { ...(ctx.body as Omit<CreateSubscriptionRequest, 'pipelineId'>), pipelineId: ctx.params.pipelineId! };
        return { status: 201, body: await ctx.gofer.subscriptions.create(req) };
      },
    },
    {
      method: 'DELETE', path: '/api/pipelines/{pipelineId}/subscriptions/{subscriptionId}', operationId: 'deleteSubscription', tag: 'subscriptions',
      summary: 'Unsubscribes and removes a subscription.',
      params: { pipelineId: ID_PARAM, subscriptionId: { type: 'string', minLength: 1 } },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        const sub = await ctx.gofer.subscriptions.get(ctx.params.subscriptionId!);
        if (sub.pipelineId !== ctx.params.pipelineId) {
          throw new GoferError('ERR_NOT_FOUND', `The pipeline "${ctx.params.pipelineId}" has no subscription ${ctx.params.subscriptionId}.`);
        }
        await ctx.gofer.subscriptions.delete(sub.subscriptionId);
        return { status: 204 };
      },
    },
  ];
}
