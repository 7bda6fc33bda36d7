/**
 * The service: a Gofer core plus the HTTP API on `config.server.host:port`. The server closes
 * in the lifecycle's "server" phase (after extensions stop starting runs, before runs and the
 * scheduler close), so `gofer.close()` shuts everything down in order.
 */
import type { Gofer, GoferOptions } from '../api/index.js';
import { TokenStore } from '../auth/token-store.js';
import { createGofer } from '../kernel/create-gofer.js';
import type { GoferHandle } from '../kernel/gofer-handle.js';
import { DATABASE, LIFECYCLE } from '../kernel/tokens.js';
import { RunTokens } from '../runs/run-tokens.js';
import type { RunTokenVerifier } from './authenticate.js';
import { startApiServer, type ApiServer } from './http-server.js';

/** A running service. */
export interface GoferService {
  gofer: GoferHandle & Gofer;
  server: ApiServer;
  /** The service's token store (for bootstrapping from the same process). */
  tokens: TokenStore;
  /** Stops the server (no new requests, live streams end), then the core. Idempotent. */
  close(): Promise<void>;
}

/** Attaches the HTTP API to an existing core (host apps that want the API too). */
export async function attachApiServer(gofer: GoferHandle & Gofer, listen?: { host?: string; port?: number }): Promise<{ server: ApiServer; tokens: TokenStore }> {
  const c = gofer.container;
  const tokens = new TokenStore(c.resolve(DATABASE));
  // Run tokens (GOFER_API_TOKEN) live in the runs module's table; RunTokens reads it.
  const runTokens: RunTokenVerifier = c.resolve(RunTokens);
  const server = await startApiServer({
    gofer,
    tokens,
    runTokens,
    logger: gofer.logger,
    host: listen?.host ?? gofer.config.server.host,
    port: listen?.port ?? gofer.config.server.port,
  });
  c.resolve(LIFECYCLE).onClose('server', 'http api', () => server.close());
  return { server, tokens };
}

/** Starts a core with `options` and serves its API. Rejects (and closes the core) when it cannot listen. */
export async function startService(options: GoferOptions = {}): Promise<GoferService> {
  const gofer = await createGofer(options);
  try {
    const { server, tokens } = await attachApiServer(gofer);
    gofer.logger.info('gofer service listening', { url: server.address.url });
    return { gofer, server, tokens, close: () => gofer.close() };
  } catch (err) {
    await gofer.close();
    throw err;
  }
}
