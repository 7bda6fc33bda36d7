/** The events area of the Gofer API: stored events, live events, and both with follow. */
import { inject, injectable } from 'tsyringe';
import type { EventQuery, EventsApi, GoferEvent } from '../api/index.js';
import { EVENT_BUS, EVENT_STORE, GROUP_COMMIT } from '../kernel/tokens.js';
import type { GroupCommit } from '../stores/group-commit.js';
import type { EventBus } from './event-bus.js';
import type { EventStore } from './event-store.js';

/** The events area of the Gofer API (EVENTS_API). */
@injectable()
export class EventsService implements EventsApi {
  constructor(
    @inject(EVENT_BUS) private readonly bus: EventBus,
    @inject(EVENT_STORE) private readonly store: EventStore,
    @inject(GROUP_COMMIT) private readonly group: GroupCommit,
  ) {}

  async list(query?: EventQuery): Promise<GoferEvent[]> {
    return this.store.list(query);
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
    const queue: GoferEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = this.bus.subscribe((event) => {
      if (types && !types.has(event.type)) return;
      queue.push(event);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      let last = query.after ?? 0;
      for (;;) {
        await this.group.durable();
        const page = this.store.list({ ...(types ? { types: query.types } : {}), after: last, limit: 1000 });
        for (const event of page) {
          if (signal?.aborted) return;
          last = event.id;
          yield event;
        }
        if (page.length < 1000) break;
      }
      while (!signal?.aborted) {
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
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
