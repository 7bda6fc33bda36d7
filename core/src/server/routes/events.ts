/** Events: the persisted log, optionally followed live as Server-Sent Events. */
import { Type } from 'typebox';
import { PAGE_LIMITS, type GoferEvent, type GoferEventType } from '../../api/index.js';
import { mayAccess } from '../../auth/principal.js';
import { storedEventJson, type StoredEvent } from '../../events/event-store.js';
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { limitParam, pageOf, ref } from '../schemas.js';
import { pageJson } from './access.js';

/**
 * Management tokens see every event. Others see events about pipelines they may act on;
 * events without a pipeline (plugins, extensions) only reach management tokens. Takes the
 * stored form: only a caller that is not a management token needs a payload parsed.
 */
function visibilityFilter(ctx: Pick<RouteContext, 'gofer' | 'principal'>): (event: GoferEvent | StoredEvent) => Promise<boolean> {
  if (ctx.principal.kind === 'management') return async () => true;
  const principal = ctx.principal;
  const namespaces = new Map<string, string | undefined>();
  return async (event) => {
    const payload: unknown = typeof event.payload === 'string' ? JSON.parse(event.payload) : event.payload;
    const pipelineId = (payload as { pipelineId?: unknown }).pipelineId;
    if (typeof pipelineId !== 'string') return false;
    if (!namespaces.has(pipelineId)) {
      namespaces.set(
        pipelineId,
        await ctx.gofer.pipelines.get(pipelineId).then(
          (p) => p.namespace,
          () => undefined,
        ),
      );
    }
    const ns = namespaces.get(pipelineId);
    return ns !== undefined && mayAccess(principal, ns, pipelineId);
  };
}

export function eventRoutes(): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/events',
      operationId: 'listEvents',
      tag: 'events',
      access: 'any',
      // The page read without `after` starts after Last-Event-ID.
      cache: { vary: ['last-event-id'] },
      summary:
        'Lists stored events after an id, oldest first, a page at a time: `next` (on a full page) is the `after` of the next page. With follow=true: a Server-Sent Events stream (`event` messages, id = event id) of stored then live events.',
      query: {
        after: Type.Integer({ minimum: 0, description: 'Only events with a greater id: the `next` of the previous page.' }),
        types: Type.String({ description: 'Comma-separated event types, e.g. run.completed,task.completed' }),
        limit: limitParam(PAGE_LIMITS.events),
        follow: Type.Boolean({ default: false }),
      },
      errors: { ERR_INVALID_ARGUMENT: 'The limit or the cursor is out of range.' },
      responses: {
        200: {
          description: 'A page of events (JSON), or with follow=true a text/event-stream of `event` messages (`Last-Event-ID` resumes after an id).',
          schema: pageOf(
            'Event',
            Type.Integer({ description: 'The id of the last event read for this page (it may be one the token may not see): pass it as `after`.' }),
          ),
          events: Type.Union([ref('EventMessage'), ref('StreamError')]),
        },
      },
      async handle(ctx) {
        const visible = visibilityFilter(ctx);
        const lastEventId = Number(ctx.headers['last-event-id']);
        const after = ctx.query.after ?? (Number.isInteger(lastEventId) ? lastEventId : undefined);
        const types = typeof ctx.query.types === 'string' ? (ctx.query.types.split(',').filter(Boolean) as GoferEventType[]) : undefined;
        const query = { ...(after !== undefined ? { after } : {}), ...(types ? { types } : {}) };
        if (ctx.query.follow !== true) {
          const limit = ctx.query.limit ?? PAGE_LIMITS.events.default;
          if (ctx.principal.kind === 'management') {
            // Every event is shown: the page's JSON is put together in SQLite.
            const page = await ctx.storedEvents.pageJson({ ...query, limit });
            return pageJson(page.items, page.count >= limit ? page.last : undefined);
          }
          const events = await ctx.storedEvents.list({ ...query, limit });
          let items = '';
          for (const e of events) if (await visible(e)) items += `${items ? ',' : ''}${storedEventJson(e)}`;
          return pageJson(items, events.length >= limit ? events[events.length - 1]!.id : undefined);
        }
        const sse = ctx.sse();
        try {
          for await (const event of ctx.gofer.events.follow({ ...query, signal: ctx.signal })) {
            if (await visible(event)) await sse.send({ event: 'event', id: event.id, data: event });
          }
        } catch (err) {
          if (!ctx.signal.aborted) await sse.send({ event: 'error', data: { message: (err as Error).message } });
        } finally {
          sse.end();
        }
        return 'streamed';
      },
    }),
  ];
}
