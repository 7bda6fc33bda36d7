/**
 * The typed HTTP client: openapi-fetch over the types generated from the service's own OpenAPI
 * document, so a route, parameter or body the service no longer has fails the UI's type-check.
 * Every request carries `Authorization: Bearer <token>`; the token never goes into a URL.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { GoferApiError } from './api-error';
import type { paths } from './types';

export type GoferClient = Client<paths>;

/** Returns the token to send, or nothing (the request then goes without one and gets 401). */
export type TokenGetter = () => string | undefined | null | Promise<string | undefined | null>;

export interface ClientOptions {
  /** Where the service answers: `''` (same origin, the default) or `https://gofer.example.com`. */
  baseUrl?: string;
  getToken: TokenGetter;
  /** Called on every 401: the token was refused (unknown, revoked or expired). */
  onUnauthorized?: (error: GoferApiError) => void;
  fetch?: typeof fetch;
}

/** `baseUrl` without a trailing slash, so paths starting with `/api/` join cleanly. */
export const normalizeBaseUrl = (baseUrl = ''): string => baseUrl.replace(/\/+$/, '');

export async function authorizationHeader(getToken: TokenGetter): Promise<Record<string, string>> {
  const token = await getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export function createGoferClient(options: ClientOptions): GoferClient {
  const client = createClient<paths>({ baseUrl: normalizeBaseUrl(options.baseUrl), ...(options.fetch ? { fetch: options.fetch } : {}) });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await options.getToken();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
    async onResponse({ response }) {
      if (response.status === 401 && options.onUnauthorized) {
        const body: unknown = await response
          .clone()
          .json()
          .catch(() => undefined);
        options.onUnauthorized(GoferApiError.from(401, body));
      }
      return response;
    },
    onError({ error }) {
      return new GoferApiError(0, 'ERR_NETWORK', `The Gofer service could not be reached (${(error as Error)?.message ?? String(error)}).`);
    },
  };
  client.use(auth);
  return client;
}

type Result = { data?: unknown; error?: unknown; response: Response };

/** The data of a successful call; a failed one throws GoferApiError with the service's code. */
export async function expectData<R extends Result>(call: Promise<R>): Promise<NonNullable<R['data']>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw GoferApiError.from(response.status, error);
  return data as NonNullable<R['data']>;
}

/** For calls answered without a body (204). */
export async function expectOk<R extends Result>(call: Promise<R>): Promise<void> {
  const { error, response } = await call;
  if (error !== undefined || !response.ok) throw GoferApiError.from(response.status, error);
}

/**
 * Stored events after an id, oldest first. The route answers JSON, or an event stream with
 * `follow=true`; without follow the body is always the JSON list.
 */
export async function listEvents(client: GoferClient, query: { after?: number; limit?: number; types?: string }, signal?: AbortSignal) {
  const data = await expectData(client.GET('/api/events', { params: { query }, ...(signal ? { signal } : {}) }));
  // The document lists the stream's message shape beside the JSON list; without follow the answer is the list.
  if (typeof data === 'string' || !('items' in data)) throw new GoferApiError(500, 'ERR_HTTP', 'The service answered the event list with a stream.');
  return data.items;
}
