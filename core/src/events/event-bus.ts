/**
 * The in-process event bus: every state change is published here as a typed event. The event
 * log assigns the id and stores the event before listeners see it; listeners are called at
 * once, synchronously (the publisher's transaction commits within the turn; `events.follow()`,
 * which feeds remote clients, yields only committed events).
 */
import { systemClock, type Clock, type GoferEvent, type GoferEventMap, type GoferEventType } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK } from '../kernel/tokens.js';
import { EVENT_STORE } from './event-store.js';

/** Where published events are persisted: returns the event's id. */
export interface EventLog {
  append(event: Omit<GoferEvent, 'id'>): number;
}

/** A function that hears every event. */
export type EventListener = (event: GoferEvent) => void;

/** Publishes typed events; plugins see it through `ctx.events`. */
@injectable(EVENT_STORE, CLOCK)
export class EventBus {
  /** Each listener with the id of the last event published before it subscribed. */
  private readonly listeners = new Map<EventListener, number>();
  private nextId = 1;
  private lastId = 0;

  /** Without a log, ids are counted in memory. */
  constructor(
    private readonly log?: EventLog,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Stores the event (when persisted) and hands it to the listeners; returns it with its id. */
  publish<K extends GoferEventType>(type: K, payload: GoferEventMap[K]): GoferEvent {
    const draft = { type, at: this.clock.now(), payload } as Omit<GoferEvent, 'id'>;
    const id = this.log ? this.log.append(draft) : this.nextId++;
    // The draft becomes the event (the log keeps no reference to it): one object per event, not two.
    const event = draft as GoferEvent;
    event.id = id;
    this.lastId = id;
    if (this.listeners.size > 0) this.emit(event);
    return event;
  }

  private emit(event: GoferEvent): void {
    for (const [listener, since] of this.listeners) {
      // Delivery may lag publication by a commit: skip events from before the subscription.
      if (event.id <= since) continue;
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the publisher or the other listeners.
      }
    }
  }

  /** Calls `listener` for every event delivered from now on; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.set(listener, this.lastId);
    return () => void this.listeners.delete(listener);
  }
}

export const EVENT_BUS = token<EventBus>('gofer.event-bus');
