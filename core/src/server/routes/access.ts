/** Helpers routes share: loading a pipeline the caller may act on, list envelopes. */
import type { PipelineInfo } from '../../api/index.js';
import { mayAccess, type Principal } from '../../auth/principal.js';
import { noSuchPipeline } from '../../pipelines/pipeline-store.js';
import type { RouteContext } from '../route.js';

/** What the helpers need of a route's context. */
type Caller = Pick<RouteContext, 'gofer' | 'principal'>;

/**
 * The pipeline, once the caller is allowed to act on it. A pipeline the caller may not see
 * answers exactly as one that does not exist (404, the same body): a client token must not
 * learn which pipeline ids exist in other namespaces.
 */
export async function accessiblePipeline(ctx: Caller, pipelineId: string): Promise<PipelineInfo> {
  const info = await ctx.gofer.pipelines.get(pipelineId);
  if (!mayAccess(ctx.principal, info.namespace, info.pipelineId)) throw noSuchPipeline(pipelineId);
  return info;
}

/** Keeps the pipelines the caller may see. */
export function visiblePipelines(principal: Principal, pipelines: PipelineInfo[]): PipelineInfo[] {
  return pipelines.filter((p) => mayAccess(principal, p.namespace, p.pipelineId));
}

/** `{ items }` answer with status 200. */
export const items = <T>(list: T[]) => ({ status: 200 as const, body: { items: list } });

/**
 * `{ items, next? }` answer with status 200: `next` (the cursor of the last item) when the page
 * holds `limit` items, so more may follow. `shown` is what the caller may see of `list` (the
 * cursor still moves past the items it may not see).
 */
export function page<T, C>(list: T[], limit: number, cursor: (item: T) => C, shown: T[] = list) {
  const last = list.length >= limit ? list[list.length - 1] : undefined;
  return { status: 200 as const, body: { items: shown, ...(last !== undefined ? { next: cursor(last) } : {}) } };
}

/**
 * `page`'s answer from its items already serialized (their JSON joined by commas): the text
 * `JSON.stringify` of `{ items, next? }` would give, for routes that read their items as stored
 * JSON instead of parsing them only to serialize them again.
 */
export function pageJson(items: string, next: string | number | undefined): { status: 200; json: string } {
  return { status: 200, json: `{"items":[${items}]${next !== undefined ? `,"next":${JSON.stringify(next)}` : ''}}` };
}
