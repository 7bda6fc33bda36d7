/**
 * The route table's shape. One table drives the server (Fastify routes: matching, auth,
 * validation) and the OpenAPI document (@fastify/swagger reads the same route schemas), so the
 * two cannot drift apart. Schemas are TypeBox: a handler's params, query and body are typed
 * from them, and what it answers is checked against its response schemas.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Static, TObject, TProperties, TSchema } from 'typebox';
import type { ErrorCode, EventQuery, Gofer, PipelineListOptions } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import type { EventPageJson, StoredEvent } from '../events/event-store.js';
import type { PipelinePageJson } from '../pipelines/pipeline-store.js';
import type { TokenStore } from '../auth/token-store.js';
import type { SseStream } from './sse.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One documented response. */
export interface ResponseSpec {
  description: string;
  /** Schema of a JSON body. */
  schema?: TSchema;
  /** A body that is not JSON (`text/plain`, `application/octet-stream`). */
  contentType?: string;
  /** Schema of each message when the client asks for a Server-Sent Events stream (`ctx.sse()`). */
  events?: TSchema;
}

/** Success responses by status (error responses come from the route's error codes). */
export type Responses = { [status: number]: ResponseSpec };

type Result<Status, R extends ResponseSpec> =
  | (R extends { schema: infer S extends TSchema } ? { status: Status; body: Static<S> } | PreSerialized<Status> : never)
  | (R extends { contentType: string } ? { status: Status; bytes: Uint8Array | string; contentType: string } | StreamedBody<Status> : never)
  | (R extends { events: TSchema } ? 'streamed' : never)
  | (R extends { schema: TSchema } | { contentType: string } ? never : { status: Status });

/**
 * A body sent as it is read from `stream` (a big task log): the socket's backpressure paces the
 * reading, so memory holds a chunk or two whatever the body's size.
 */
export interface StreamedBody<Status = number> {
  status: Status;
  stream: AsyncIterable<Uint8Array>;
  contentType: string;
}

/**
 * A JSON body already serialized: text the handler put together from stored JSON (event
 * payloads) instead of parsing it only for the server to serialize it again. It must be what
 * `JSON.stringify` of the schema's body would give.
 */
export interface PreSerialized<Status = number> {
  status: Status;
  json: string;
}

/** The statuses of a responses map (Extract keeps literal statuses in handlers' answers). */
type StatusOf<R> = Extract<keyof R, number>;

/** What a handler may answer: one of its responses, or `streamed` once it took the response over (SSE). */
export type RouteResult<R extends Responses = Responses> = { [K in StatusOf<R>]: Result<K, R[K]> }[StatusOf<R>];

/** The messages of a route's SSE responses. */
type MessagesOf<R extends Responses> = { [K in StatusOf<R>]: R[K] extends { events: infer E extends TSchema } ? Static<E> : never }[StatusOf<R>];

/** The core's stored events in the forms the events route answers from. */
export interface StoredEvents {
  list(query: EventQuery): Promise<StoredEvent[]>;
  /** The same page as JSON text. */
  pageJson(query: EventQuery): Promise<EventPageJson>;
}

/** What a handler receives: validated params, query and body, and the verified caller. */
export interface RouteContext<Params = Record<string, unknown>, Query = Record<string, unknown>, Body = unknown, Message = unknown> {
  gofer: Gofer;
  tokens: TokenStore;
  /** Public routes get a management principal named `(public)`. */
  principal: Principal;
  params: Params;
  /** Validated and coerced (numbers, booleans, defaults) against the route's query schema. */
  query: Query;
  /** Validated JSON (an empty body is `{}`), or a Buffer for binary bodies. */
  body: Body;
  headers: IncomingHttpHeaders;
  /** `gofer.events.list`'s page (checked the same way) with the payloads as their stored JSON text. */
  storedEvents: StoredEvents;
  /** `gofer.pipelines.list`'s page (checked the same way) as JSON text. */
  storedPipelines: { pageJson(opts: PipelineListOptions): Promise<PipelinePageJson> };
  /** Aborted when the client goes away or the server closes: streams stop on it. */
  signal: AbortSignal;
  /** The OpenAPI document this server serves (made on its first request, then kept). */
  openApiDocument(): Promise<Record<string, unknown>>;
  /** Takes the response over as a Server-Sent Events stream; the handler then answers `streamed`. */
  sse(): SseStream<Message>;
}

type BodyOf<B> = B extends 'binary' ? Buffer : B extends TSchema ? Static<B> : undefined;

/** One route of the HTTP API, as written in the route files. */
export interface RouteSpec<
  P extends TProperties = TProperties,
  Q extends TProperties = TProperties,
  B extends TSchema | 'binary' | undefined = TSchema | 'binary' | undefined,
  R extends Responses = Responses,
> {
  method: HttpMethod;
  /** OpenAPI-style template: `/api/pipelines/{pipelineId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** No token needed (health, the OpenAPI document, bootstrap). */
  public?: boolean;
  /**
   * Which tokens may call it (protected routes): `any` valid token (lists are filtered to what
   * it may see); `namespace`: a management token, a client token of the pipeline's namespace, or
   * a run token of that pipeline (the handler checks, 403 otherwise); `management` tokens only
   * (checked before the body is read).
   */
  access?: 'any' | 'namespace' | 'management';
  /** Path parameters' schemas, by name (every one is required). */
  params?: P;
  /** Query parameters' schemas, by name (all optional); values are coerced to the schema's type. */
  query?: Q;
  /** JSON body schema, or `binary` for raw bytes (objects). A body that accepts `{}` is optional. */
  body?: B;
  /** The code an invalid body is refused with; default ERR_INVALID_ARGUMENT. */
  invalidBodyCode?: ErrorCode;
  /**
   * Error codes the handler may answer beyond the ones every route of its shape gives (400 for
   * bad input, 401 without a usable token, 403 per `access`, 413 for a body too large, 500),
   * each with when it happens (`ERR_NOT_FOUND`: what may not exist). Their statuses are
   * documented from them.
   */
  errors?: Partial<Record<ErrorCode, string>>;
  /**
   * A GET whose JSON answer depends only on its URL, the caller's scope (what its token may
   * see), the stored data, and the headers in `vary`: its answers are kept until the data
   * changes, and carry an ETag (If-None-Match answers 304). See answer-cache.ts.
   */
  cache?: { vary?: readonly string[] };
  /** Success responses. */
  responses: R;
  handle(ctx: RouteContext<Static<TObject<P>>, Partial<Static<TObject<Q>>>, BodyOf<B>, MessagesOf<R>>): Promise<RouteResult<R>>;
}

/** Any answer, as the server sends it. */
export type AnyRouteResult =
  'streamed' | { status: number; body?: unknown } | PreSerialized | { status: number; bytes: Uint8Array | string; contentType: string } | StreamedBody;

/** A route of the table, its types erased. */
export interface Route extends Omit<RouteSpec, 'handle'> {
  handle(ctx: RouteContext): Promise<AnyRouteResult>;
}

/** Declares a route, typing its handler from its schemas. */
export function defineRoute<
  const P extends TProperties = Record<never, TSchema>,
  const Q extends TProperties = Record<never, TSchema>,
  const B extends TSchema | 'binary' | undefined = undefined,
  const R extends Responses = Responses,
>(spec: RouteSpec<P, Q, B, R>): Route {
  return spec as unknown as Route;
}
