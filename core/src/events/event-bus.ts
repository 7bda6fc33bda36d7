/**
 * The in-process event bus: every state change is published here as a typed event.
 * `persist` (set by the stores) assigns the id and stores the event before listeners see it.
 */
import type { GoferEvent, GoferEventMap, GoferEventType } from '../api/index.js';

export type EventListener = (event: GoferEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private nextId = 1;

  constructor(private readonly persist?: (event: Omit<GoferEvent, 'id'>) => number) {}

  publish<K extends GoferEventType>(type: K, payload: GoferEventMap[K]): GoferEvent {
    const draft = { type, at: Date.now(), payload } as Omit<GoferEvent, 'id'>;
    const id = this.persist ? this.persist(draft) : this.nextId++;
    const event = { ...draft, id } as GoferEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not stop the publisher or the other listeners.
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
