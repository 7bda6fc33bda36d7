/** Pipelines: register versions, list, get, deploy, enable/disable, delete. */
import { Type } from 'typebox';
import { GoferError, isGoferError, PAGE_LIMITS, PIPELINE_SCHEMA, problemLines, type PipelineVersion, type ValidationProblem } from '../../api/index.js';
import { mayAccess, requireAccess } from '../../auth/principal.js';
import { defineRoute, type RouteContext, type Route } from '../route.js';
import { ID_PARAM, limitParam, NAMESPACE_ID, pageOf, ref } from '../schemas.js';
import { accessiblePipeline, page, pageJson, visiblePipelines } from './access.js';

const pipelineId = { pipelineId: ID_PARAM };

/** Body of POST /api/pipelines: the config (what the SDK builds) and its namespace. */
export const REGISTER_BODY = Type.Object({ config: PIPELINE_SCHEMA, namespace: Type.Optional(NAMESPACE_ID) }, { additionalProperties: false });

/**
 * Registers; the problems the DAG checks find are reported under `body/config`, like the ones
 * the body's schema finds, so one request's problems share one root.
 */
async function register(
  ctx: Pick<RouteContext, 'gofer'>,
  config: Parameters<RouteContext['gofer']['pipelines']['register']>[0],
  namespace: string,
): Promise<PipelineVersion> {
  try {
    return await ctx.gofer.pipelines.register(config, { namespace });
  } catch (err) {
    const problems = isGoferError(err, 'ERR_PIPELINE_INVALID') ? (err.details.problems as ValidationProblem[] | undefined) : undefined;
    if (!isGoferError(err) || !Array.isArray(problems)) throw err;
    const rebased = problems.map((p) => ({ path: `body/config${p.path === '/' ? '' : p.path}`, message: p.message }));
    throw new GoferError(err.code, `${err.message.split('\n')[0]}\n  ${problemLines(rebased).join('\n  ')}`, {
      cause: err,
      details: { ...err.details, problems: rebased },
    });
  }
}

export function pipelineRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/pipelines',
      operationId: 'listPipelines',
      tag: 'pipelines',
      access: 'any',
      cache: {},
      summary:
        'Lists the pipelines the token may see, optionally of one namespace, by id, a page at a time: `next` (on a full page) is the `after` of the next page.',
      query: {
        namespace: NAMESPACE_ID,
        after: Type.String({ minLength: 1, description: 'Only pipelines whose id sorts after this one: the `next` of the previous page.' }),
        limit: limitParam(PAGE_LIMITS.pipelines),
      },
      errors: { ERR_INVALID_ARGUMENT: 'The limit is out of range.' },
      responses: {
        200: {
          description: 'A page of pipelines.',
          schema: pageOf('PipelineInfo', Type.String({ description: 'The last pipeline id read for this page (it may be one the token may not see).' })),
        },
      },
      async handle(ctx) {
        const { namespace, after } = ctx.query;
        const limit = ctx.query.limit ?? PAGE_LIMITS.pipelines.default;
        const opts = { ...(namespace ? { namespace } : {}), ...(after !== undefined ? { after } : {}), limit };
        if (ctx.principal.kind === 'management') {
          // Every pipeline is shown: the page's JSON is put together in SQLite.
          const json = await ctx.storedPipelines.pageJson(opts);
          return pageJson(json.items, json.count >= limit ? json.last : undefined);
        }
        const list = await ctx.gofer.pipelines.list(opts);
        return page(list, limit, (p) => p.pipelineId, visiblePipelines(ctx.principal, list));
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines',
      operationId: 'registerPipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Registers a pipeline config as a new version (the first version is deployed at once).',
      body: REGISTER_BODY,
      invalidBodyCode: 'ERR_PIPELINE_INVALID',
      errors: {
        ERR_PIPELINE_INVALID:
          'The config is invalid (schema or DAG: duplicate ids, unknown dependencies, cycles); `details.problems` lists every problem with its path.',
        ERR_NOT_FOUND: 'The namespace does not exist.',
        ERR_CONFLICT: 'The pipeline id is taken in another namespace (the namespace is named only to a token that may act on it).',
      },
      responses: { 201: { description: 'The new version.', schema: ref('PipelineVersion') } },
      async handle(ctx) {
        const { config, namespace } = ctx.body;
        const existing = await ctx.gofer.pipelines.get(config.id).catch((err: unknown) => {
          if (isGoferError(err, 'ERR_NOT_FOUND')) return undefined;
          throw err;
        });
        // A pipeline the caller may not see is treated as absent, up to the one thing ids being
        // global forces: it cannot be registered again (a conflict that names no namespace).
        const visible = existing && mayAccess(ctx.principal, existing.namespace, existing.pipelineId) ? existing : undefined;
        const target = namespace ?? visible?.namespace ?? 'default';
        requireAccess(ctx.principal, target, config.id);
        if (existing && existing.namespace !== target) {
          if (!visible) {
            throw new GoferError('ERR_CONFLICT', `The pipeline id "${config.id}" is taken; choose another id.`, { details: { pipelineId: config.id } });
          }
          throw new GoferError('ERR_CONFLICT', `The pipeline "${config.id}" belongs to namespace "${existing.namespace}", not "${target}".`, {
            details: { pipelineId: config.id, namespace: existing.namespace },
          });
        }
        ctx.tokens.getNamespace(target); // 404 for an unknown namespace
        return { status: 201, body: await register(ctx, config, target) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}',
      operationId: 'getPipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Gets a pipeline: namespace, state, live and latest versions.',
      params: pipelineId,
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        return { status: 200, body: await accessiblePipeline(ctx, ctx.params.pipelineId) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/pipelines/{pipelineId}',
      operationId: 'deletePipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Deletes the pipeline with its versions, runs, logs and objects; its unfinished runs are cancelled first.',
      params: pipelineId,
      errors: {
        ERR_NOT_FOUND: 'The pipeline does not exist.',
        ERR_CONFLICT:
          'A run of the pipeline is still unfinished and could not be waited for (it is being recovered or cleaned up); the pipeline is kept. Try again once it completes.',
      },
      responses: { 204: { description: 'Deleted.' } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        await ctx.gofer.pipelines.delete(ctx.params.pipelineId);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/versions',
      operationId: 'listPipelineVersions',
      tag: 'pipelines',
      access: 'namespace',
      summary: "Lists the pipeline's registered versions, oldest first, a page at a time: `next` (on a full page) is the `after` of the next page.",
      params: pipelineId,
      query: {
        after: Type.Integer({ minimum: 0, description: 'Only greater versions: the `next` of the previous page.' }),
        limit: limitParam(PAGE_LIMITS.versions),
      },
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.', ERR_INVALID_ARGUMENT: 'The limit or the cursor is out of range.' },
      responses: {
        200: {
          description: 'A page of versions, oldest first.',
          schema: pageOf('PipelineVersion', Type.Integer({ description: 'The last version of this page.' })),
        },
      },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        const { after } = ctx.query;
        const limit = ctx.query.limit ?? PAGE_LIMITS.versions.default;
        const list = await ctx.gofer.pipelines.versions(ctx.params.pipelineId, { ...(after !== undefined ? { after } : {}), limit });
        return page(list, limit, (v) => v.version);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/pipelines/{pipelineId}/versions/{version}',
      operationId: 'getPipelineVersion',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Gets one version with its config.',
      params: { ...pipelineId, version: Type.Integer({ minimum: 1 }) },
      errors: { ERR_NOT_FOUND: 'The pipeline or the version does not exist.' },
      responses: { 200: { description: 'The version.', schema: ref('PipelineVersion') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.pipelines.getVersion(ctx.params.pipelineId, ctx.params.version) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/deploy',
      operationId: 'deployPipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Makes a version live: new runs use it. Without a version (or without a body), the latest.',
      params: pipelineId,
      body: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
      errors: { ERR_NOT_FOUND: 'The pipeline or the version does not exist.' },
      responses: { 200: { description: 'The pipeline after deployment.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        const info = await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.pipelines.deploy(info.pipelineId, ctx.body.version ?? info.latestVersion) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/enable',
      operationId: 'enablePipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Enables a disabled pipeline so runs may start.',
      params: pipelineId,
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.pipelines.enable(ctx.params.pipelineId) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/pipelines/{pipelineId}/disable',
      operationId: 'disablePipeline',
      tag: 'pipelines',
      access: 'namespace',
      summary: 'Disables a pipeline: new runs are refused (ERR_PIPELINE_DISABLED).',
      params: pipelineId,
      errors: { ERR_NOT_FOUND: 'The pipeline does not exist.' },
      responses: { 200: { description: 'The pipeline.', schema: ref('PipelineInfo') } },
      async handle(ctx) {
        await accessiblePipeline(ctx, ctx.params.pipelineId);
        return { status: 200, body: await ctx.gofer.pipelines.disable(ctx.params.pipelineId) };
      },
    }),
  ];
}
