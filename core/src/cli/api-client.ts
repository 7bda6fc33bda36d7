/**
 * The CLI's HTTP client of the Gofer service: JSON requests with the bearer token, coded
 * errors from `{ error: { code, message } }` answers, and Server-Sent Events streams.
 */
import { GoferError, isGoferError, type ErrorCode } from '../api/errors.js';

/** Where the service is and who we are. */
export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  token?: string;
}

/** The service's base URL from `--host` / GOFER_HOST (+ GOFER_PORT when the host has no port). */
export function resolveBaseUrl(host: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = host || env.GOFER_HOST || '127.0.0.1';
  const withScheme = /^https?:\/\//.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `"${raw}" is not a service address: give --host (or GOFER_HOST) as http://HOST:PORT or HOST[:PORT].`, {
      cause,
    });
  }
  if (!url.port && !/^https?:\/\/[^/]*:\d+/.test(withScheme)) url.port = env.GOFER_PORT || '8080';
  return url.origin;
}

/** One Server-Sent Events message. */
export interface SseEvent {
  event: string;
  id?: string;
  data: unknown;
}

export class ApiClient {
  constructor(private readonly opts: ClientOptions) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}), ...extra };
  }

  private async fetch(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = `${this.opts.baseUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: this.headers(init.headers), body: init.body ?? null, signal: init.signal ?? null });
    } catch (cause) {
      if (isGoferError(cause) || (cause as Error).name === 'AbortError') throw cause;
      throw new GoferError(
        'ERR_INTERNAL',
        `Cannot reach the Gofer service at ${this.opts.baseUrl}: ${((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message}. Is it running (gofer service start)? Set --host or GOFER_HOST.`,
        { cause },
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let parsed: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not JSON: reported with the status below.
    }
    const code = (parsed.error?.code ?? 'ERR_INTERNAL') as ErrorCode;
    throw new GoferError(code, parsed.error?.message ?? `HTTP ${res.status} from ${method} ${path}: ${text.slice(0, 200)}`, {
      details: { status: res.status, ...(parsed.error?.details ?? {}) },
    });
  }

  /** A JSON request; resolves with the parsed body (undefined for 204). */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  /**
   * Every item of a cursor-paged list route: follows `next` (sent back as the `cursor` parameter)
   * until a page has none (a page may be empty and still have one: items the token may not see).
   * `path` may carry a query already.
   */
  async all<T>(path: string, cursor: 'after' | 'before' = 'after'): Promise<T[]> {
    const items: T[] = [];
    let next: string | number | undefined;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.json<{ items: T[]; next?: string | number }>(
        'GET',
        next === undefined ? path : `${path}${sep}${cursor}=${encodeURIComponent(String(next))}`,
      );
      items.push(...page.items);
      if (page.next === undefined) return items;
      next = page.next;
    }
  }

  /** Raw bytes in or out (objects, plain logs). */
  async bytes(method: string, path: string, body?: Uint8Array): Promise<Uint8Array> {
    const res = await this.fetch(method, path, body === undefined ? {} : { body, headers: { 'content-type': 'application/octet-stream' } });
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Follows a Server-Sent Events stream until it ends or `signal` aborts. */
  async *sse(path: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const res = await this.fetch('GET', path, { headers: { accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const msg = parseFrame(frame);
          if (msg) yield msg;
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }
}

/** Parses one SSE frame (`event:`, `id:`, `data:` lines; comments skipped). */
export function parseFrame(frame: string): SseEvent | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Plain text data stays a string.
  }
  return { event, ...(id !== undefined ? { id } : {}), data: parsed };
}
