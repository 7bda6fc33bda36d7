/**
 * One live stream of the service's events (`GET /api/events?follow=true`) shared by every view
 * under a provider. It opens when the first listener subscribes and closes when the last leaves;
 * it starts after the newest stored event (views read history through queries), resumes after
 * the last event it delivered when the connection drops (so nothing is lost or seen twice), and
 * retries with backoff. A 401 stops it and reports the refused token.
 */
import { GoferApiError } from '../api/api-error';
import { listEvents, type GoferClient, type TokenGetter } from '../api/client';
import { openEventStream } from '../api/sse';
import type { GoferEvent } from '../api/types';

export type StreamStatus = 'idle' | 'connecting' | 'live' | 'retrying' | 'stopped';
export type EventListener = (event: GoferEvent) => void;

export interface EventHubOptions {
  client: GoferClient;
  baseUrl: string;
  getToken: TokenGetter;
  onUnauthorized: (error: GoferApiError) => void;
}

const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private readonly statusListeners = new Set<() => void>();
  private abort: AbortController | undefined;
  private lastId: number | undefined;
  private currentStatus: StreamStatus = 'idle';

  constructor(private readonly options: EventHubOptions) {}

  get status(): StreamStatus {
    return this.currentStatus;
  }

  /** The id of the newest event seen (or found at start); undefined before the stream started. */
  get lastEventId(): number | undefined {
    return this.lastId;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop('idle');
    };
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => void this.statusListeners.delete(listener);
  }

  /** Closes the stream for good (the provider unmounted or the session ended). */
  close(): void {
    this.listeners.clear();
    this.stop('stopped');
  }

  /**
   * The id of the newest stored event the token may see. The API lists events after an id, oldest
   * first, so the newest is found by doubling then bisecting: about 2·log2(n) small requests.
   */
  async newestEventId(signal?: AbortSignal): Promise<number> {
    const exists = async (after: number) => (await listEvents(this.options.client, { after, limit: 1 }, signal)).length > 0;
    if (!(await exists(0))) return 0;
    let low = 0; // an event exists after `low`
    let high = 1;
    while (await exists(high)) {
      low = high;
      high *= 2;
    }
    // exists(low) and !exists(high): the newest id is in (low, high].
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await exists(mid)) low = mid;
      else high = mid;
    }
    return high;
  }

  private setStatus(status: StreamStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const l of this.statusListeners) l();
  }

  private start(): void {
    const abort = new AbortController();
    this.abort = abort;
    void this.run(abort.signal);
  }

  private stop(status: StreamStatus): void {
    this.abort?.abort();
    this.abort = undefined;
    this.setStatus(status);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      this.setStatus(attempt === 0 ? 'connecting' : 'retrying');
      try {
        this.lastId ??= await this.newestEventId(signal);
        const stream = await openEventStream({
          baseUrl: this.options.baseUrl,
          getToken: this.options.getToken,
          path: `/api/events?follow=true&after=${this.lastId}`,
          signal,
          onUnauthorized: this.options.onUnauthorized,
        });
        this.setStatus('live');
        attempt = 0;
        for await (const message of stream) {
          if (message.event !== 'event') continue;
          const event = JSON.parse(message.data) as GoferEvent;
          if (this.lastId !== undefined && event.id <= this.lastId) continue;
          this.lastId = event.id;
          for (const listener of [...this.listeners]) {
            try {
              listener(event);
            } catch (err) {
              console.error('gofer-ui: an event listener failed', err);
            }
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GoferApiError && err.status === 401) {
          this.stop('stopped');
          return;
        }
      }
      if (signal.aborted) return;
      // The stream ended (service restarting, network): resume after the last event delivered.
      this.setStatus('retrying');
      const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
      attempt += 1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}
