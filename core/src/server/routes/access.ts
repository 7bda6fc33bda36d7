/** Helpers routes share: loading a pipeline the caller may act on, list envelopes. */
import type { PipelineInfo } from '../../api/index.js';
import { mayAccess, requireAccess } from '../../auth/principal.js';
import type { RouteContext } from '../route.js';

/** The path's pipeline, once the caller is allowed to act on it (403 otherwise, 404 when absent). */
export async function accessiblePipeline(ctx: RouteContext): Promise<PipelineInfo> {
  const info = await ctx.gofer.pipelines.get(ctx.params.pipelineId!);
  requireAccess(ctx.principal, info.namespace, info.pipelineId);
  return info;
}

/** Keeps the pipelines the caller may see. */
export function visiblePipelines(ctx: RouteContext, pipelines: PipelineInfo[]): PipelineInfo[] {
  return pipelines.filter((p) => mayAccess(ctx.principal, p.namespace, p.pipelineId));
}

/** The path's run id, coerced by the validator. */
export const runIdOf = (ctx: RouteContext): number => Number(ctx.params.runId);

/** `{ items }` answer with status 200. */
export const items = <T>(list: T[]) => ({ status: 200, body: { items: list } });
