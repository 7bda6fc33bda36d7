/** The events area of the Gofer API: stored events, live events, and both with follow. */
import type { EventQuery, EventsApi, GoferEvent } from '../api/index.js';
import { onAbort } from '../kernel/abortable.js';
import { injectable, token } from '../kernel/di.js';
import { numericCursor, pageLimit } from '../kernel/paging.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';
import { EVENT_BUS, type EventBus } from './event-bus.js';
import { EVENT_STORE, type EventPageJson, type EventStore, type StoredEvent } from './event-store.js';

/**
 * Live events a follower may have waiting before it reads them. Past this, the waiting ones are
 * dropped and the follower reads them back from the store (they are all stored): a follower that
 * reads nothing (a stalled SSE client) costs at most this many events, not every event since.
 */
export const MAX_QUEUED_EVENTS = 1000;

/** The events area of the Gofer API. */
@injectable(EVENT_BUS, EVENT_STORE, GROUP_COMMIT)
export class EventsService implements EventsApi {
  constructor(
    private readonly bus: EventBus,
    private readonly store: EventStore,
    private readonly group: GroupCommit,
  ) {}

  async list(query: EventQuery = {}): Promise<GoferEvent[]> {
    const limit = pageLimit('events', query.limit);
    numericCursor('after', query.after);
    return this.store.list({ ...query, limit });
  }

  /** `list` with each payload left as its stored JSON text (checked the same way). */
  listStored(query: EventQuery = {}): StoredEvent[] {
    const limit = pageLimit('events', query.limit);
    numericCursor('after', query.after);
    return this.store.listStored({ ...query, limit });
  }

  /** The same page as JSON text, put together in SQLite (checked the same way). */
  pageJson(query: EventQuery = {}): EventPageJson {
    const limit = pageLimit('events', query.limit);
    numericCursor('after', query.after);
    return this.store.pageJson({ ...query, limit });
  }

  on(listener: (event: GoferEvent) => void): () => void {
    return this.bus.subscribe(listener);
  }

  /**
   * Subscribes first and reads the stored events second, so nothing published in between is
   * lost; live events already seen in the stored page are skipped by id. Every event is
   * yielded only once its transaction has committed: a remote follower never sees an event
   * that a crash could still take back (and whose id could then be reused).
   */
  async *follow(query: EventQuery & { signal?: AbortSignal } = {}): AsyncIterable<GoferEvent> {
    const { signal } = query;
    const types = query.types && query.types.length > 0 ? new Set<string>(query.types) : undefined;
    let queue: GoferEvent[] = [];
    let overflowed = false;
    let wake: (() => void) | undefined;
    const unsubscribe = this.bus.subscribe((event) => {
      if (types && !types.has(event.type)) return;
      if (queue.length >= MAX_QUEUED_EVENTS) {
        queue = [];
        overflowed = true;
      } else if (!overflowed) queue.push(event);
      wake?.();
    });
    const leave = signal ? onAbort(signal, () => wake?.()) : undefined;
    let last = query.after ?? 0;
    const stored = async function* (this: EventsService): AsyncGenerator<GoferEvent> {
      for (;;) {
        await this.group.durable();
        const page = this.store.list({ ...(types ? { types: query.types } : {}), after: last, limit: 1000 });
        for (const event of page) {
          if (signal?.aborted) return;
          last = event.id;
          yield event;
        }
        if (page.length < 1000) return;
      }
    }.bind(this);
    try {
      yield* stored();
      while (!signal?.aborted) {
        if (overflowed) {
          // Events were dropped while this follower did not read: read them back from the store.
          // New ones queue again meanwhile; those already read are skipped by id below.
          overflowed = false;
          queue = [];
          yield* stored();
          continue;
        }
        if (queue.length > 0) await this.group.durable();
        const event = queue.shift();
        if (event) {
          if (event.id <= last) continue;
          last = event.id;
          yield event;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      leave?.();
    }
  }
}

export const EVENTS_API = token<EventsService>('gofer.api.events');
