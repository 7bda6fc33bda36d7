/**
 * The HTTP API as a Fastify instance, not yet listening: the route table's routes (auth in
 * `onRequest`, before the body is read, so an anonymous caller learns nothing about the input;
 * then validation, then the handler), 405 with `Allow` for a known path asked with another
 * method, coded error bodies `{ error: { code, message, details } }` for every failure, the
 * OpenAPI document from @fastify/swagger, and the web UI at `/`.
 *
 * The service's app does not register @fastify/swagger: the document depends on the route table
 * alone, so it is made on its first request by a second app that does (describeRoutes).
 * Registering it cost every start-up about 35 ms and 90 CommonJS modules (swagger and yaml).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { GoferError, type EventQuery, type Gofer, type Logger } from '../api/index.js';
import { requireManagement, type Principal } from '../auth/principal.js';
import { createLogger } from '../kernel/logger.js';
import type { TokenStore } from '../auth/token-store.js';
import { storedEventJson } from '../events/event-store.js';
import type { EventsService } from '../events/events-api.js';
import type { PipelinesService } from '../pipelines/pipelines-api.js';
import { AnswerCache, matchesEtag, type CachedAnswer } from './answer-cache.js';
import { authenticate, type RunTokenVerifier } from './authenticate.js';
import { errorResponse } from './http-status.js';
import { swaggerOptions } from './openapi-spec.js';
import { requestError, validatorCompiler } from './request-validation.js';
import type { AnyRouteResult, HttpMethod, Route, RouteContext, StoredEvents } from './route.js';
import { fastifySchemaOf, MAX_BODY_BYTES } from './route-schema.js';
import { buildRoutes } from './routes/index.js';
import { SseStream } from './sse.js';
import { isUiRequest, registerUi, resolveUiDir } from './ui-assets.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by the route's `onRequest` hook. */
    principal: Principal | null;
    /** The request's key in the answer cache, when its route's answers are kept and this one was not. */
    answerKey: string | null;
  }
  interface FastifyContextConfig {
    /** The route table's entry this Fastify route serves. */
    route?: Route;
  }
}

export interface HttpAppOptions {
  gofer: Gofer;
  tokens: TokenStore;
  runTokens?: RunTokenVerifier;
  /**
   * The core's events with their payloads unparsed (the events service); without it they are
   * read through `gofer.events` and their payloads serialized again.
   */
  storedEvents?: Pick<EventsService, 'listStored' | 'pageJson'>;
  /** The core's pipelines service, for pages as JSON text; without it they are read through `gofer.pipelines` and serialized. */
  storedPipelines?: Pick<PipelinesService, 'pageJson'>;
  logger: Logger;
  /** The stored data's version (stores/data-version.ts); with it, routes marked `cache` keep their answers. */
  dataVersion?: () => number;
  /** Folder of the built web UI; default: the installed `@gofer/ui` package's `dist/`. */
  uiDir?: string;
  /** Aborted when the server closes: live streams end on it. */
  closing?: AbortSignal;
  /** The HTTP server to serve on, given Fastify's request handler (a port bound before start-up finished). */
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** Registers @fastify/swagger, so that `app.swagger()` describes the routes (describeRoutes). */
  describe?: boolean;
}

const PUBLIC: Principal = { kind: 'management', tokenId: '(public)' };
/** Methods a client may try on a path; the ones the table lacks answer 405. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;
/** `{pipelineId}` (OpenAPI, the table) to `:pipelineId` (Fastify). */
const fastifyPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** Builds the app with every route registered; `await app.ready()` (or `listen`) before use. */
export async function buildHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const log = opts.logger.child({ component: 'http' });
  const closing = opts.closing ?? new AbortController().signal;
  const routes = buildRoutes();
  const app = Fastify({
    ...(opts.serverFactory ? { serverFactory: opts.serverFactory } : {}),
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    // Requests arriving while the server closes are still served: the core closes after it.
    return503OnClosing: false,
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      // Keys may be 128 characters; longer path parameters are refused as invalid (400), not unknown.
      maxParamLength: 1024,
      // A repeated query key keeps its last value.
      querystringParser: (query) => Object.fromEntries(new URLSearchParams(query)),
    },
    frameworkErrors: (err, _request, reply) => {
      void sendError(reply, new GoferError('ERR_INVALID_ARGUMENT', `The request path is invalid: ${err.message}`));
    },
    // Gofer's validators, and answers as plain JSON.stringify (nothing a response schema does not
    // list is dropped). Given as the compilers' factories, not with setValidatorCompiler and
    // setSerializerCompiler, so that Fastify never loads its default ones (@fastify/ajv-compiler,
    // fast-json-stringify: about 16 ms of every start-up).
    schemaController: {
      compilersFactory: {
        // Typed for ajv's compile functions; Fastify calls the result as any validator compiler.
        buildValidator: (() => validatorCompiler) as unknown as NonNullable<
          NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
        >['buildValidator'],
        buildSerializer: () => () => (data: unknown) => JSON.stringify(data),
      },
    },
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('answerKey', null);

  function sendError(reply: FastifyReply, err: unknown): FastifyReply {
    const { status, body } = errorResponse(err);
    if (status >= 500) log.error('request failed', { method: reply.request.method, url: reply.request.url, code: body.error.code, error: body.error.message });
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  }
  app.setErrorHandler((err, request, reply) => sendError(reply, requestError(err, request.routeOptions.config.route?.invalidBodyCode) ?? err));

  // Bodies: raw bytes for binary routes, JSON for the rest whatever the content type says (an
  // empty body is `{}`), ignored by routes that take none. Keys such as `__proto__` stay plain
  // data (JSON.parse makes own properties) and meet the schema's additionalProperties like any other.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, raw: Buffer, done) => {
    const route = request.routeOptions.config.route;
    if (!route?.body) return done(null, undefined);
    if (route.body === 'binary') return done(null, raw);
    if (raw.length === 0) return done(null, {});
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch (cause) {
      return done(new GoferError('ERR_INVALID_ARGUMENT', `The request body is not valid JSON: ${(cause as Error).message}`, { cause }));
    }
    done(null, value);
  });

  app.addHook('onResponse', async (request, reply) => {
    log.debug('request', { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  if (opts.describe) await app.register((await import('@fastify/swagger')).default, swaggerOptions(routes));

  let document: Promise<Record<string, unknown>> | undefined;
  const openApiDocument = () => (document ??= describeRoutes());
  const storedEvents = storedEventsOf(opts);
  const storedPipelines = storedPipelinesOf(opts);
  const answers = opts.dataVersion ? new AnswerCache(opts.dataVersion) : undefined;
  for (const route of routes) registerRoute(app, route, { ...opts, closing, openApiDocument, storedEvents, storedPipelines, answers });
  registerMethodNotAllowed(app, routes);

  const uiFallback = await registerUi(app, resolveUiDir(opts.uiDir));
  app.setNotFoundHandler((request, reply) => {
    if (isUiRequest(request)) return uiFallback(request, reply);
    const path = request.url.split('?')[0];
    return sendError(reply, new GoferError('ERR_NOT_FOUND', `No route ${request.method} ${path}. The API is described at /api/openapi.json.`));
  });
  return app;
}

const NO_UI = '/nonexistent/gofer-ui';

/**
 * The OpenAPI document of the route table, from an app of its own that registers
 * @fastify/swagger: no handler runs (the services are never called) and no UI is looked up.
 */
export async function describeRoutes(): Promise<Record<string, unknown>> {
  const app = await buildHttpApp({ gofer: {} as Gofer, tokens: {} as TokenStore, logger: createLogger('silent'), uiDir: NO_UI, describe: true });
  try {
    await app.ready();
    return structuredClone(app.swagger()) as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

type Services = Omit<HttpAppOptions, 'storedEvents' | 'storedPipelines'> & {
  closing: AbortSignal;
  openApiDocument(): Promise<Record<string, unknown>>;
  storedEvents: StoredEvents;
  storedPipelines: RouteContext['storedPipelines'];
  answers: AnswerCache | undefined;
};

function storedEventsOf(opts: HttpAppOptions): StoredEvents {
  const reader = opts.storedEvents;
  if (reader) return { list: async (query) => reader.listStored(query), pageJson: async (query) => reader.pageJson(query) };
  // Without the core's service (a Gofer handle alone): the typed API's page, serialized.
  const list = async (query: EventQuery) =>
    (await opts.gofer.events.list(query)).map((e) => ({ id: e.id, type: e.type, at: e.at, payload: JSON.stringify(e.payload) }));
  return {
    list,
    pageJson: async (query) => {
      const events = await list(query);
      const items = events.map(storedEventJson).join(',');
      return { count: events.length, last: events.at(-1)?.id, items };
    },
  };
}

function storedPipelinesOf(opts: HttpAppOptions): RouteContext['storedPipelines'] {
  const reader = opts.storedPipelines;
  if (reader) return { pageJson: async (query) => reader.pageJson(query) };
  // Without the core's service (a Gofer handle alone): the typed API's page, serialized.
  return {
    pageJson: async (query) => {
      const list = await opts.gofer.pipelines.list(query);
      return { count: list.length, last: list.at(-1)?.pipelineId, items: list.map((p) => JSON.stringify(p)).join(',') };
    },
  };
}

function registerRoute(app: FastifyInstance, route: Route, services: Services): void {
  const answers = route.cache ? services.answers : undefined;
  const vary = route.cache?.vary ?? [];
  app.route({
    method: route.method,
    url: fastifyPath(route.path),
    schema: fastifySchemaOf(route),
    config: { route },
    onRequest: async (request, reply) => {
      const principal = route.public ? PUBLIC : authenticate(request.raw, services.tokens, services.runTokens);
      if (route.access === 'management') requireManagement(principal);
      request.principal = principal;
      if (answers) {
        // After auth: a kept answer reaches only a caller whose token verifies, and of its scope.
        const key = answers.keyOf(route.operationId, principal, request.url, request.headers, vary);
        const kept = answers.get(key);
        if (kept) return sendAnswer(request, reply, kept);
        request.answerKey = key;
      }
    },
    // A route with a JSON body takes an empty request (no body at all) as `{}`.
    ...(route.body && route.body !== 'binary'
      ? {
          preValidation: async (request: FastifyRequest) => {
            request.body ??= {};
          },
        }
      : {}),
    handler: async (request, reply) => {
      let signal: AbortSignal | undefined;
      const ctx: RouteContext = {
        gofer: services.gofer,
        tokens: services.tokens,
        principal: request.principal ?? PUBLIC,
        params: request.params as Record<string, unknown>,
        query: request.query as Record<string, unknown>,
        body: request.body,
        headers: request.headers,
        storedEvents: services.storedEvents,
        storedPipelines: services.storedPipelines,
        // Made on first use: most handlers never need it, and each one costs an AbortController.
        get signal() {
          return (signal ??= AbortSignal.any([services.closing, abortOnClose(reply.raw)]));
        },
        openApiDocument: () => services.openApiDocument(),
        sse: () => {
          reply.hijack();
          return new SseStream(reply.raw);
        },
      };
      const version = answers && request.answerKey !== null ? answers.version() : undefined;
      const result = await route.handle(ctx);
      if (version !== undefined && typeof result === 'object' && result.status === 200 && ('json' in result || 'body' in result)) {
        const json = 'json' in result ? result.json : JSON.stringify(result.body);
        return sendAnswer(request, reply, answers!.set(request.answerKey!, version, json));
      }
      return send(reply, result);
    },
  });
}

/**
 * A cacheable route's 200 answer with its ETag, or 304 when the client holds it already. A
 * browser may keep the answer but must ask again each time (`no-cache`): the ETag is then
 * compared with the current answer for this request's token.
 */
function sendAnswer(request: FastifyRequest, reply: FastifyReply, answer: CachedAnswer): FastifyReply {
  reply.header('etag', answer.etag).header('cache-control', 'private, no-cache');
  if (matchesEtag(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
  return reply.code(200).type('application/json; charset=utf-8').send(answer.bytes);
}

function send(reply: FastifyReply, result: AnyRouteResult): FastifyReply {
  if (result === 'streamed') return reply;
  if ('stream' in result) {
    // Not object mode: the stream's buffer is counted in bytes (64 KiB), not in chunks.
    const body = Readable.from(result.stream, { objectMode: false, highWaterMark: 64 * 1024 });
    return reply.code(result.status).type(result.contentType).send(body);
  }
  if ('json' in result) return reply.code(result.status).type('application/json; charset=utf-8').send(result.json);
  if ('bytes' in result) {
    const bytes = typeof result.bytes === 'string' ? result.bytes : Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
    return reply.code(result.status).type(result.contentType).send(bytes);
  }
  if ('body' in result && result.body !== undefined && result.status !== 204) return reply.code(result.status).send(result.body);
  return reply.code(result.status).send();
}

/** 405 with `Allow` for every method a known path does not take (hidden from the document). */
function registerMethodNotAllowed(app: FastifyInstance, routes: readonly Route[]): void {
  const byPath = new Map<string, Set<HttpMethod | 'HEAD'>>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? new Set();
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
    byPath.set(route.path, methods);
  }
  for (const [path, methods] of byPath) {
    const missing = METHODS.filter((m) => !methods.has(m as HttpMethod));
    if (missing.length === 0) continue;
    const allow = [...methods].join(', ');
    app.route({
      method: missing,
      url: fastifyPath(path),
      exposeHeadRoute: false,
      schema: { hide: true },
      handler: async (request, reply) => {
        reply.header('allow', allow);
        throw new GoferError(
          'ERR_METHOD_NOT_ALLOWED',
          `${path} does not take ${request.method}; it takes ${allow}. The API is described at /api/openapi.json.`,
          {
            details: { allow: [...methods] },
          },
        );
      },
    });
  }
}

function abortOnClose(res: ServerResponse<IncomingMessage>): AbortSignal {
  if (res.closed) return AbortSignal.abort();
  const ac = new AbortController();
  res.once('close', () => ac.abort());
  return ac.signal;
}
