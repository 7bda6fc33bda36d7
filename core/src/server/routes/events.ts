/** Events: the persisted log, optionally followed live as Server-Sent Events. */
import type { GoferEvent, GoferEventType } from '../../api/index.js';
import { mayAccess } from '../../auth/principal.js';
import type { Route, RouteContext } from '../route.js';
import { listOf } from '../schemas.js';
import { SseStream } from '../sse.js';

/**
 * Management tokens see every event. Others see events about pipelines they may act on;
 * events without a pipeline (plugins, extensions) only reach management tokens.
 */
function visibilityFilter(ctx: RouteContext): (event: GoferEvent) => Promise<boolean> {
  if (ctx.principal.kind === 'management') return async () => true;
  const namespaces = new Map<string, string | undefined>();
  return async (event) => {
    const pipelineId = (event.payload as { pipelineId?: unknown }).pipelineId;
    if (typeof pipelineId !== 'string') return false;
    if (!namespaces.has(pipelineId)) {
      namespaces.set(pipelineId, await ctx.gofer.pipelines.get(pipelineId).then((p) => p.namespace, () => undefined));
    }
    const ns = namespaces.get(pipelineId);
    return ns !== undefined && mayAccess(ctx.principal, ns, pipelineId);
  };
}

export function eventRoutes(): Route[] {
  return [
    {
      method: 'GET', path: '/api/events', operationId: 'listEvents', tag: 'events',
      summary: 'Lists stored events after an id. With follow=true: a Server-Sent Events stream (`event` messages, id = event id) of stored then live events.',
      query: {
        after: { type: 'integer', minimum: 0 },
        types: { type: 'string', description: 'Comma-separated event types, e.g. run.completed,task.completed' },
        limit: { type: 'integer', minimum: 1, maximum: 10000 },
        follow: { type: 'boolean', default: false },
      },
      responses: { 200: { description: 'The events (JSON), or text/event-stream with follow=true.', schema: listOf('Event'), contentType: ['application/json', 'text/event-stream'] } },
      async handle(ctx) {
        const visible = visibilityFilter(ctx);
        const lastEventId = Number(ctx.req.headers['last-event-id']);
        const after = (ctx.query.after as number | undefined) ?? (Number.isInteger(lastEventId) ? lastEventId : undefined);
        const types = typeof ctx.query.types === 'string' ? (ctx.query.types.split(',').filter(Boolean) as GoferEventType[]) : undefined;
        const query = { ...(after !== undefined ? { after } : {}), ...(types ? { types } : {}) };
        if (ctx.query.follow !== true) {
          const limit = ctx.query.limit as number | undefined;
          const events = await ctx.gofer.events.list({ ...query, ...(limit ? { limit } : {}) });
          const shown: GoferEvent[] = [];
          for (const e of events) if (await visible(e)) shown.push(e);
          return { status: 200, body: { items: shown } };
        }
        const sse = new SseStream(ctx.res);
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
    },
  ];
}
