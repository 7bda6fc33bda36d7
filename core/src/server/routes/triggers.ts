/**
 * Runtime control of triggers: enable or disable one subscription, pause every trigger of the
 * instance or of a pipeline, and read an extension's own log lines.
 */
import { Type } from 'typebox';
import { GoferError, type TriggerPauses } from '../../api/index.js';
import { mayAccess } from '../../auth/principal.js';
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { ID_PARAM, ref } from '../schemas.js';
import { accessiblePipeline, items } from './access.js';

const int = Type.Integer();
const TRIGGER_PAUSES = Type.Object({
  instance: Type.Optional(Type.Object({ since: int, reason: Type.Optional(Type.String()) })),
  pipelines: Type.Array(Type.Object({ pipelineId: Type.String(), since: int, reason: Type.Optional(Type.String()) })),
});
const LOG_LEVEL = Type.Enum(['debug', 'info', 'warn', 'error']);
const LOG_LINES = Type.Object({
  items: Type.Array(Type.Object({ seq: int, at: int, level: LOG_LEVEL, message: Type.String(), fields: Type.Record(Type.String(), Type.Unknown()) })),
});
const PAUSE_BODY = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
const SUBSCRIPTION_PARAMS = { pipelineId: ID_PARAM, subscriptionId: Type.String({ minLength: 1 }) };

/** The path's subscription, once the caller may act on its pipeline. */
async function accessibleSubscription(ctx: Pick<RouteContext, 'gofer' | 'principal'>, pipelineId: string, subscriptionId: string): Promise<string> {
  await accessiblePipeline(ctx, pipelineId);
  const sub = await ctx.gofer.subscriptions.get(subscriptionId);
  if (sub.pipelineId !== pipelineId) {
    throw new GoferError('ERR_NOT_FOUND', `The pipeline "${pipelineId}" has no subscription ${subscriptionId}.`);
  }
  return sub.subscriptionId;
}

function switchRoute(enabled: boolean): Route {
  const verb = enabled ? 'enable' : 'disable';
  return defineRoute({
    method: 'POST',
    path: `/api/pipelines/{pipelineId}/subscriptions/{subscriptionId}/${verb}`,
    operationId: `${verb}Subscription`,
    tag: 'subscriptions',
    access: 'namespace',
    summary: enabled
      ? 'Lets a disabled subscription start runs again.'
      : 'Disables a subscription: the extension keeps watching, its fires are recorded as skipped (trigger.skipped).',
    params: SUBSCRIPTION_PARAMS,
    errors: { ERR_NOT_FOUND: 'The pipeline or the subscription does not exist.' },
    responses: { 200: { description: 'The subscription.', schema: ref('Subscription') } },
    async handle(ctx) {
      const id = await accessibleSubscription(ctx, ctx.params.pipelineId, ctx.params.subscriptionId);
      return { status: 200, body: await (enabled ? ctx.gofer.subscriptions.enable(id) : ctx.gofer.subscriptions.disable(id)) };
    },
  });
}

export function triggerRoutes(): Route[] {
  return [
    switchRoute(true),
    switchRoute(false),
    defineRoute({
      method: 'GET',
      path: '/api/triggers',
      operationId: 'getTriggerPauses',
      tag: 'triggers',
      access: 'any',
      summary: 'Tells whether every trigger of the instance is paused, and which of the pipelines the token may see have their triggers paused.',
      responses: { 200: { description: 'The pauses.', schema: TRIGGER_PAUSES } },
      async handle(ctx) {
        const pauses = await ctx.gofer.extensions.triggerPauses();
        const visible: TriggerPauses['pipelines'] = [];
        for (const pause of pauses.pipelines) {
          const info = await ctx.gofer.pipelines.get(pause.pipelineId).catch(() => undefined);
          if (info && mayAccess(ctx.principal, info.namespace, info.pipelineId)) visible.push(pause);
        }
        return { status: 200, body: { ...pauses, pipelines: visible } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/triggers/pause',
      operationId: 'pauseTriggers',
      tag: 'triggers',
      access: 'management',
      summary: 'Pauses every trigger of the instance: runs extensions ask for are refused and recorded as skipped.',
      body: PAUSE_BODY,
      responses: { 200: { description: 'The pauses.', schema: TRIGGER_PAUSES } },
      async handle(ctx) {
        const reason = ctx.body.reason;
        return { status: 200, body: await ctx.gofer.extensions.pauseTriggers(reason ? { reason } : {}) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/triggers/resume',
      operationId: 'resumeTriggers',
      tag: 'triggers',
      access: 'management',
      summary: 'Ends the instance-wide pause of triggers; pipeline pauses stay.',
      responses: { 200: { description: 'The pauses.', schema: TRIGGER_PAUSES } },
      async handle(ctx) {
        return { status: 200, body: await ctx.gofer.extensions.resumeTriggers() };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/triggers/pause',
      operationId: 'pausePipelineTriggers',
      tag: 'triggers',
      access: 'namespace',
      summary: "Pauses the pipeline's triggers: runs its subscriptions ask for are refused and recorded as skipped.",
      params: { pipelineId: ID_PARAM },
      body: PAUSE_BODY,
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The pauses.', schema: TRIGGER_PAUSES } },
      async handle(ctx) {
        const { pipelineId } = await accessiblePipeline(ctx, ctx.params.pipelineId);
        const reason = ctx.body.reason;
        return { status: 200, body: await ctx.gofer.extensions.pauseTriggers({ pipelineId, ...(reason ? { reason } : {}) }) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/triggers/resume',
      operationId: 'resumePipelineTriggers',
      tag: 'triggers',
      access: 'namespace',
      summary: "Ends the pause of the pipeline's triggers.",
      params: { pipelineId: ID_PARAM },
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The pauses.', schema: TRIGGER_PAUSES } },
      async handle(ctx) {
        const { pipelineId } = await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.extensions.resumeTriggers({ pipelineId }) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/extensions/{name}/logs',
      operationId: 'getExtensionLogs',
      tag: 'extensions',
      access: 'management',
      summary: "An extension's recent log lines, oldest first (`after`, `limit`, `level`).",
      params: { name: ID_PARAM },
      query: {
        after: Type.Integer({ minimum: 0 }),
        limit: Type.Integer({ minimum: 1, maximum: 1000 }),
        level: LOG_LEVEL,
      },
      errors: { ERR_NOT_FOUND: 'No extension of that name was found.' },
      responses: { 200: { description: 'The log lines.', schema: LOG_LINES } },
      async handle(ctx) {
        return items(await ctx.gofer.extensions.logs(ctx.params.name, ctx.query));
      },
    }),
  ];
}
