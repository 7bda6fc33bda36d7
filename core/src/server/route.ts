/**
 * The route table's shape. One table drives both the server (matching, auth, validation) and
 * the OpenAPI document, so the two cannot drift apart.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode, Gofer, JsonSchema } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import type { TokenStore } from '../auth/token-store.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What a handler receives: validated params, query and body, and the verified caller. */
export interface RouteContext {
  gofer: Gofer;
  tokens: TokenStore;
  /** Absent only on public routes. */
  principal: Principal;
  params: Record<string, string>;
  /** Validated and coerced (numbers, booleans) against the route's query schema. */
  query: Record<string, unknown>;
  /** Validated JSON, or a Buffer for binary bodies. */
  body: unknown;
  req: IncomingMessage;
  res: ServerResponse;
  /** Aborted when the client goes away or the server closes: streams stop on it. */
  signal: AbortSignal;
}

/** A JSON answer, raw bytes, or `streamed` when the handler wrote the response itself (SSE). */
export type RouteResult =
  | { status: number; body?: unknown }
  | { status: number; bytes: Uint8Array | string; contentType: string }
  | 'streamed';

/** One documented response. */
export interface ResponseSpec {
  description: string;
  /** JSON Schema of a JSON body; absent: no body (204) unless contentType says otherwise. */
  schema?: JsonSchema;
  /** Default application/json when a schema is given; several when the client chooses (logs: text or SSE). */
  contentType?: string | string[];
}

/** One route of the HTTP API. */
export interface Route {
  method: HttpMethod;
  /** OpenAPI-style template: `/api/pipelines/{pipelineId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** No token needed (health, the OpenAPI document, bootstrap). */
  public?: boolean;
  /** Path parameters' schemas (strings unless said otherwise). */
  params?: Record<string, JsonSchema>;
  /** Query parameters' schemas; values are coerced to the schema's type. */
  query?: Record<string, JsonSchema>;
  /** JSON body schema, or `binary` for raw bytes (objects). */
  body?: JsonSchema | 'binary';
  /** The code an invalid body is refused with; default ERR_INVALID_ARGUMENT. */
  invalidBodyCode?: ErrorCode;
  /** Success and route-specific error responses (400/401/403/404 are added for every route as they apply). */
  responses: Record<number, ResponseSpec>;
  handle(ctx: RouteContext): Promise<RouteResult>;
}
