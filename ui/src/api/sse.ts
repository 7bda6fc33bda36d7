/**
 * Server-Sent Events over fetch. EventSource cannot send an Authorization header, and a token in
 * a URL ends up in logs and history, so the stream is read from a fetch response body instead.
 * Parsing follows the WHATWG event-stream format: `event:`, `data:` (joined by newlines), `id:`,
 * comment lines, and a blank line dispatching the message.
 */
import { GoferApiError } from './api-error';
import { authorizationHeader, normalizeBaseUrl, type TokenGetter } from './client';

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Parses an event-stream body as it arrives; yields each message once its blank line is read. */
export async function* readEventStream(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (;;) {
        const end = buffer.indexOf('\n', start);
        if (end < 0) break;
        let line = buffer.slice(start, end);
        start = end + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) };
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      buffer = buffer.slice(start);
      if (done || signal?.aborted) return;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

export interface OpenStreamOptions {
  baseUrl?: string;
  getToken: TokenGetter;
  /** Path and query under the base URL, e.g. `/api/events?follow=true`. */
  path: string;
  signal?: AbortSignal;
  lastEventId?: string;
  onUnauthorized?: (error: GoferApiError) => void;
}

/** Opens a stream; rejects with GoferApiError when the service refuses it (401, 404, ...). */
export async function openEventStream(options: OpenStreamOptions): Promise<AsyncGenerator<SseMessage>> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(await authorizationHeader(options.getToken)) };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  let response: Response;
  try {
    response = await fetch(`${normalizeBaseUrl(options.baseUrl)}${options.path}`, {
      headers,
      cache: 'no-store',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new GoferApiError(0, 'ERR_NETWORK', `The Gofer service could not be reached (${(cause as Error).message}).`);
  }
  if (!response.ok || !response.body) {
    const body: unknown = await response.json().catch(() => undefined);
    const error = GoferApiError.from(response.status, body);
    if (response.status === 401) options.onUnauthorized?.(error);
    throw error;
  }
  return readEventStream(response.body, options.signal);
}
