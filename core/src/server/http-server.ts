/**
 * The HTTP API server (node:http): matches the route table, authenticates, validates, calls the
 * handler and answers JSON, bytes or a Server-Sent Events stream. Errors answer
 * `{ error: { code, message, details } }` with the status from http-status.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoferError, type Gofer, type Logger } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import type { TokenStore } from '../auth/token-store.js';
import { authenticate, type RunTokenVerifier } from './authenticate.js';
import { errorResponse } from './http-status.js';
import { validateBody, validateParamsAndQuery } from './request-validation.js';
import type { RouteContext, RouteResult } from './route.js';
import { Router } from './router.js';
import { buildRoutes } from './routes/index.js';

/** Largest request body accepted (objects are the big ones). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ServerOptions {
  gofer: Gofer;
  tokens: TokenStore;
  runTokens?: RunTokenVerifier;
  logger: Logger;
  host: string;
  /** 0 picks a free port; read it back from `address.port`. */
  port: number;
}

/** A listening API server. */
export interface ApiServer {
  readonly address: { host: string; port: number; url: string };
  /** Stops accepting, ends live streams, waits for in-flight requests. Idempotent. */
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new GoferError('ERR_INVALID_ARGUMENT', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (body === undefined || status === 204) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

function sendResult(res: ServerResponse, result: RouteResult): void {
  if (result === 'streamed') return;
  if ('bytes' in result) {
    res.writeHead(result.status, { 'content-type': result.contentType, 'content-length': Buffer.byteLength(result.bytes) }).end(result.bytes);
    return;
  }
  sendJson(res, result.status, result.body);
}

/** Starts the API server; resolves once it listens. */
export async function startApiServer(opts: ServerOptions): Promise<ApiServer> {
  const router = new Router(buildRoutes());
  const closing = new AbortController();
  const log = opts.logger.child({ component: 'http' });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === undefined) throw new GoferError('ERR_NOT_FOUND', `No route ${req.method} ${url.pathname}. The API is described at /api/openapi.json.`);
    if (match === 'method-not-allowed') throw new GoferError('ERR_NOT_FOUND', `${url.pathname} does not accept ${req.method}. The API is described at /api/openapi.json.`);
    const { route, params } = match;

    // Authenticate before anything else, so an anonymous caller learns nothing about the input.
    const principal: Principal = route.public
      ? { kind: 'management', tokenId: '(public)' }
      : authenticate(req, opts.tokens, opts.runTokens);

    const query: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    validateParamsAndQuery(route, params, query);

    let body: unknown;
    if (route.body) {
      const raw = await readBody(req);
      if (route.body === 'binary') body = raw;
      else {
        try {
          body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        } catch (cause) {
          throw new GoferError('ERR_INVALID_ARGUMENT', `The request body is not valid JSON: ${(cause as Error).message}`, { cause });
        }
        validateBody(route, body);
      }
    }

    const signal = AbortSignal.any([closing.signal, abortOnClose(res)]);
    const ctx: RouteContext = { gofer: opts.gofer, tokens: opts.tokens, principal, params: params as Record<string, string>, query, body, req, res, signal };
    sendResult(res, await route.handle(ctx));
  }

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.once('finish', () => log.debug('request', { method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }));
    handle(req, res).catch((err: unknown) => {
      const { status, body } = errorResponse(err);
      if (status >= 500) log.error('request failed', { method: req.method, url: req.url, code: body.error.code, error: body.error.message });
      sendJson(res, status, body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) => {
      reject(new GoferError('ERR_CONFIG_INVALID', `The HTTP API cannot listen on ${opts.host}:${opts.port} (${cause.code ?? cause.message}). Choose another server.host/server.port (GOFER_HOST/GOFER_PORT, --bind/--port) or stop what uses it.`, { cause, details: { host: opts.host, port: opts.port } }));
    });
    server.listen(opts.port, opts.host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const address = { host: opts.host, port, url: `http://${hostForUrl}:${port}` };

  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort(); // live streams end
        server.close(() => resolve());
        server.closeIdleConnections();
        // Keep-alive sockets that finish a request after this point would hold close() for the
        // keep-alive timeout; in-flight requests get a moment, then every socket is closed.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closed;
    },
  };
}

function abortOnClose(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => ac.abort());
  return ac.signal;
}
