/** Pipelines: register versions, list, get, deploy, enable/disable, delete. */
import { GoferError, isGoferError, type JsonSchema, type PipelineConfig } from '../../api/index.js';
import { requireAccess } from '../../auth/principal.js';
import { PIPELINE_SCHEMA } from '../../pipelines/schema.js';
import type { Route } from '../route.js';
import { ID_PARAM, listOf, ref } from '../schemas.js';
import { accessiblePipeline, items, visiblePipelines } from './access.js';

const pipelineId = { pipelineId: ID_PARAM };
const NAMESPACE: JsonSchema = { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' };

/** Body of POST /api/pipelines: the config (what the SDK builds) and its namespace. */
export const REGISTER_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['config'],
  properties: { config: PIPELINE_SCHEMA, namespace: NAMESPACE },
};

export function pipelineRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/pipelines', operationId: 'listPipelines', tag: 'pipelines',
      summary: 'Lists the pipelines the token may see, optionally of one namespace.',
      query: { namespace: NAMESPACE },
      responses: { 200: { description: 'The pipelines.', schema: listOf('PipelineInfo') } },
      async handle(ctx) {
        const ns = ctx.query.namespace as string | undefined;
        return items(visiblePipelines(ctx, await ctx.gofer.pipelines.list(ns ? { namespace: ns } : {})));
      },
    },
    {
      method: 'POST', path: '/api/pipelines', operationId: 'registerPipeline', tag: 'pipelines',
      summary: 'Registers a pipeline config as a new version (the first version is deployed at once).',
      body: REGISTER_BODY,
      invalidBodyCode: 'ERR_PIPELINE_INVALID',
      responses: {
        201: { description: 'The new version.', schema: ref('PipelineVersion') },
        409: { description: 'The pipeline exists in another namespace.', schema: ref('Error') },
      },
      async handle(ctx) {
        const { config, namespace } = ctx.body as { config: PipelineConfig; namespace?: string };
        const existing = await ctx.gofer.pipelines.get(config.id).catch((err: unknown) => {
          if (isGoferError(err, 'ERR_NOT_FOUND')) return undefined;
          throw err;
        });
        const target = namespace ?? existing?.namespace ?? 'default';
        requireAccess(ctx.principal, target, config.id);
        if (existing && existing.namespace !== target) {
          throw new GoferError('ERR_CONFLICT', `The pipeline "${config.id}" belongs to namespace "${existing.namespace}", not "${target}".`, { details: { pipelineId: config.id, namespace: existing.namespace } });
        }
        ctx.tokens.getNamespace(target); // 404 for an unknown namespace
        return { status: 201, body: await ctx.gofer.pipelines.register(config, { namespace: target }) };
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}', operationId: 'getPipeline', tag: 'pipelines',
      summary: 'Gets a pipeline: namespace, state, live and latest versions.',
      params: pipelineId,
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        return { status: 200, body: await accessiblePipeline(ctx) };
      },
    },
    {
      method: 'DELETE', path: '/api/pipelines/{pipelineId}', operationId: 'deletePipeline', tag: 'pipelines',
      summary: 'Deletes the pipeline with its versions, runs, logs and objects.',
      params: pipelineId,
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        await ctx.gofer.pipelines.delete(ctx.params.pipelineId!);
        return { status: 204 };
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/versions', operationId: 'listPipelineVersions', tag: 'pipelines',
      summary: "Lists the pipeline's registered versions.",
      params: pipelineId,
      responses: { 200: { description: 'The versions, oldest first.', schema: listOf('PipelineVersion') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return items(await ctx.gofer.pipelines.versions(ctx.params.pipelineId!));
      },
    },
    {
      method: 'GET', path: '/api/pipelines/{pipelineId}/versions/{version}', operationId: 'getPipelineVersion', tag: 'pipelines',
      summary: 'Gets one version with its config.',
      params: { ...pipelineId, version: { type: 'integer', minimum: 1 } },
      responses: { 200: { description: 'The version.', schema: ref('PipelineVersion') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.pipelines.getVersion(ctx.params.pipelineId!, Number(ctx.params.version)) };
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/deploy', operationId: 'deployPipeline', tag: 'pipelines',
      summary: 'Makes a version live: new runs use it. Without a version, the latest.',
      params: pipelineId,
      body: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
      responses: { 200: { description: 'The pipeline after deployment.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        const info = await accessiblePipeline(ctx);
        const version = (ctx.body as { version?: number }).version ?? info.latestVersion;
        return { status: 200, body: await ctx.gofer.pipelines.deploy(info.pipelineId, version) };
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/enable', operationId: 'enablePipeline', tag: 'pipelines',
      summary: 'Enables a disabled pipeline so runs may start.',
      params: pipelineId,
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.pipelines.enable(ctx.params.pipelineId!) };
      },
    },
    {
      method: 'POST', path: '/api/pipelines/{pipelineId}/disable', operationId: 'disablePipeline', tag: 'pipelines',
      summary: 'Disables a pipeline: new runs are refused (ERR_PIPELINE_DISABLED).',
      params: pipelineId,
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        await accessiblePipeline(ctx);
        return { status: 200, body: await ctx.gofer.pipelines.disable(ctx.params.pipelineId!) };
      },
    },
  ];
}
