/**
 * The HTTP API server: the Fastify app of http-app.ts, listening on a host and port. The port
 * can be bound first (`bindPort`) and the app attached later: the service binds before any run
 * resumes, so a port in use stops start-up before anything is driven.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoferError, type Gofer, type Logger } from '../api/index.js';
import type { TokenStore } from '../auth/token-store.js';
import type { RunTokenVerifier } from './authenticate.js';
import { buildHttpApp, type HttpAppOptions } from './http-app.js';

export { MAX_BODY_BYTES } from './route-schema.js';

export interface ServerOptions {
  gofer: Gofer;
  tokens: TokenStore;
  runTokens?: RunTokenVerifier;
  storedEvents?: HttpAppOptions['storedEvents'];
  storedPipelines?: HttpAppOptions['storedPipelines'];
  dataVersion?: HttpAppOptions['dataVersion'];
  logger: Logger;
  host: string;
  /** 0 picks a free port; read it back from `address.port`. */
  port: number;
  /** Folder of the built web UI; default: the installed `@gofer/ui` package's `dist/`. */
  uiDir?: string;
  /** A port bound already by `bindPort` (then `host` and `port` are its own). */
  bound?: BoundPort;
}

/** A listening HTTP server without the API yet: requests wait until it is attached. */
export interface BoundPort {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Hands the waiting and future requests to `handler`. */
  attach(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Closes the server (when start-up fails before the API is attached). */
  close(): Promise<void>;
}

/**
 * Binds `host:port` (0: a free port). Throws ERR_PORT_IN_USE naming the address and the fix
 * when it is taken or cannot be bound.
 */
export async function bindPort(host: string, port: number): Promise<BoundPort> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Requests that arrive while the core finishes starting are answered once the API is attached.
  const waiting: Array<[IncomingMessage, ServerResponse]> = [];
  const server = createServer((req, res) => (handler ? handler(req, res) : waiting.push([req, res])));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    throw portError(host, port, cause);
  }
  return {
    server,
    host,
    port: (server.address() as AddressInfo).port,
    attach(h) {
      handler = h;
      for (const [req, res] of waiting.splice(0)) h(req, res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function portError(host: string, port: number, cause: unknown): GoferError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? 'another process is listening on it'
      : code === 'EACCES'
        ? 'no permission (ports below 1024 need privileges)'
        : code === 'EADDRNOTAVAIL'
          ? 'this machine has no such address'
          : (code ?? (cause as Error).message);
  return new GoferError(
    'ERR_PORT_IN_USE',
    `The HTTP API cannot listen on ${host}:${port}: ${why}. No unfinished run was resumed. Stop what uses it (another Gofer service, for example), or choose another port: --port/--bind, GOFER_PORT/GOFER_HOST, or server.port/server.host in the config.`,
    { cause, details: { host, port, ...(code ? { errno: code } : {}) } },
  );
}

/** A listening API server. */
export interface ApiServer {
  readonly address: { host: string; port: number; url: string };
  /** Stops accepting, ends live streams, waits for in-flight requests. Idempotent. */
  close(): Promise<void>;
}

/** Starts the API server; resolves once it listens. */
export async function startApiServer(opts: ServerOptions): Promise<ApiServer> {
  const closing = new AbortController();
  const bound = opts.bound ?? (await bindPort(opts.host, opts.port));
  let app: Awaited<ReturnType<typeof buildHttpApp>>;
  try {
    app = await buildHttpApp({
      ...opts,
      closing: closing.signal,
      serverFactory: (handler) => {
        bound.attach(handler);
        return bound.server;
      },
    });
    await app.ready();
  } catch (err) {
    await bound.close();
    throw err;
  }
  const port = bound.port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const address = { host: opts.host, port, url: `http://${hostForUrl}:${port}` };

  let closed: Promise<void> | undefined;
  return {
    address,
    close() {
      closed ??= (async () => {
        closing.abort(); // live streams end
        // Keep-alive sockets that finish a request after this point would hold close() for the
        // keep-alive timeout; in-flight requests get a moment, then every socket is closed.
        const force = setTimeout(() => app.server.closeAllConnections(), 1000);
        force.unref();
        try {
          await app.close();
          // With a server of its own factory Fastify does not close it (it did not listen).
          await new Promise<void>((resolve) => bound.server.close(() => resolve()));
        } finally {
          clearTimeout(force);
        }
      })();
      return closed;
    },
  };
}
