/** Events: the persisted log, optionally followed live as Server-Sent Events. */
import { Type } from 'typebox';
import type { GoferEvent, GoferEventType } from '../../api/index.js';
import { mayAccess } from '../../auth/principal.js';
import { defineRoute, type Route, type RouteContext } from '../route.js';
import { listOf, ref } from '../schemas.js';

/**
 * Management tokens see every event. Others see events about pipelines they may act on;
 * events without a pipeline (plugins, extensions) only reach management tokens.
 */
function visibilityFilter(ctx: Pick<RouteContext, 'gofer' | 'principal'>): (event: GoferEvent) => Promise<boolean> {
  if (ctx.principal.kind === 'management') return async () => true;
  const principal = ctx.principal;
  const namespaces = new Map<string, string | undefined>();
  return async (event) => {
    const pipelineId = (event.payload as { pipelineId?: unknown }).pipelineId;
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
      summary: 'Lists stored events after an id. With follow=true: a Server-Sent Events stream (`event` messages, id = event id) of stored then live events.',
      query: {
        after: Type.Integer({ minimum: 0 }),
        types: Type.String({ description: 'Comma-separated event types, e.g. run.completed,task.completed' }),
        limit: Type.Integer({ minimum: 1, maximum: 10000 }),
        follow: Type.Boolean({ default: false }),
      },
      responses: {
        200: {
          description: 'The events (JSON), or with follow=true a text/event-stream of `event` messages (`Last-Event-ID` resumes after an id).',
          schema: listOf('Event'),
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
          const limit = ctx.query.limit;
          const events = await ctx.gofer.events.list({ ...query, ...(limit ? { limit } : {}) });
          const shown: GoferEvent[] = [];
          for (const e of events) if (await visible(e)) shown.push(e);
          return { status: 200, body: { items: shown } };
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
