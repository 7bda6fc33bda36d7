/**
 * The service: a Gofer core plus the HTTP API on `config.server.host:port`. The server closes
 * in the lifecycle's "server" phase (after extensions stop starting runs, before runs and the
 * scheduler close), so `gofer.close()` shuts everything down in order.
 */
import type { Gofer, GoferOptions } from '../api/index.js';
import { TokenStore } from '../auth/token-store.js';
import { startGofer, type GoferInternals } from '../composition/start-gofer.js';
import { EVENTS_API } from '../events/events-api.js';
import { CONFIG, LIFECYCLE } from '../kernel/tokens.js';
import { PIPELINES_API } from '../pipelines/pipelines-api.js';
import { RUN_TOKENS } from '../runs/run-tokens.js';
import { DATABASE } from '../stores/database.js';
import { dataVersionOf } from '../stores/data-version.js';
import { bindPort, startApiServer, type ApiServer, type BoundPort } from './http-server.js';

/** A running service. */
export interface GoferService {
  gofer: Gofer;
  server: ApiServer;
  /** The service's token store (for bootstrapping from the same process). */
  tokens: TokenStore;
  /** Stops the server (no new requests, live streams end), then the core. Idempotent. */
  close(): Promise<void>;
}

/**
 * Attaches the HTTP API to a started core. This is the service's composition root: with the
 * core's, the only code that resolves from the container.
 */
export async function attachApiServer(
  core: GoferInternals,
  listen?: {
    host?: string;
    port?: number;
    bound?: BoundPort;
    /** Keep GET answers until the data changes (default true); false answers every request afresh (bench/http-api.ts measures both). */
    keepAnswers?: boolean;
  },
): Promise<{ server: ApiServer; tokens: TokenStore }> {
  const { gofer, container } = core;
  const tokens = new TokenStore(container.resolve(DATABASE));
  const server = await startApiServer({
    gofer,
    tokens,
    // The runs module's own instance (GOFER_API_TOKEN): issued, revoked and verified in one place.
    runTokens: container.resolve(RUN_TOKENS),
    storedEvents: container.resolve(EVENTS_API),
    storedPipelines: container.resolve(PIPELINES_API),
    ...(listen?.keepAnswers === false ? {} : { dataVersion: dataVersionOf(container.resolve(DATABASE)) }),
    logger: gofer.logger,
    host: listen?.host ?? gofer.config.server.host,
    port: listen?.port ?? gofer.config.server.port,
    ...(listen?.bound ? { bound: listen.bound } : {}),
    ...(gofer.config.server.uiDir !== undefined ? { uiDir: gofer.config.server.uiDir } : {}),
  });
  container.resolve(LIFECYCLE).onClose('server', 'http api', () => server.close());
  return { server, tokens };
}

/**
 * Starts a core with `options` and serves its API. The port is bound before any unfinished run
 * resumes: one in use rejects with ERR_PORT_IN_USE and nothing was driven.
 */
export async function startService(options: GoferOptions = {}): Promise<GoferService> {
  let bound: BoundPort | undefined;
  const core = await startGofer(options, {
    async beforeResume(root, lock) {
      const { host, port } = root.resolve(CONFIG).server;
      const taken = await bindPort(host, port);
      bound = taken;
      root.resolve(LIFECYCLE).onClose('server', 'bound port', () => taken.close());
      lock?.setAddress(host, taken.port);
    },
  });
  const { gofer } = core;
  try {
    const { server, tokens } = await attachApiServer(core, { bound: bound! });
    gofer.logger.info('gofer service listening', { url: server.address.url });
    return { gofer, server, tokens, close: () => gofer.close() };
  } catch (err) {
    await gofer.close();
    throw err;
  }
}
