/**
 * The composition root. Builds one Gofer instance: config, logger, root container, stores,
 * plugins, runs, extension host; and the ordered close. `container.resolve` is used here and in
 * tests only.
 */
import 'reflect-metadata';
import { container } from 'tsyringe';
import type { Gofer, GoferOptions } from '../api/index.js';
import { setUpExtensions } from '../extensions/set-up.js';
import { loadPlugins } from '../plugins/load-plugins.js';
import { setUpRuns } from '../runs/set-up.js';
import { setUpStores } from '../stores/set-up.js';
import { loadConfig } from './config.js';
import { GoferHandle } from './gofer-handle.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger } from './logger.js';
import { CONFIG, LIFECYCLE, LOGGER, SHUTDOWN_SIGNAL } from './tokens.js';

/**
 * Starts a Gofer core. Rejects with a coded error when the config is invalid or a configured
 * plugin fails (one ERR_PLUGIN_STARTUP error lists every failure); whatever was started by then
 * is closed again.
 */
export async function createGofer(options: GoferOptions = {}): Promise<GoferHandle & Gofer> {
  const config = loadConfig(options);
  const logger = options.logger ?? createLogger(config.logLevel);
  const shutdown = new AbortController();
  const lifecycle = new Lifecycle(logger, config.pluginTimeoutMs);
  lifecycle.onClose('extensions', 'shutdown signal', () => shutdown.abort());

  // One child of tsyringe's global container per instance: several instances never share state.
  const root = container.createChildContainer();
  root.register(CONFIG, { useValue: config });
  root.register(LOGGER, { useValue: logger });
  root.register(SHUTDOWN_SIGNAL, { useValue: shutdown.signal });
  root.register(LIFECYCLE, { useValue: lifecycle });

  try {
    await setUpStores(root);
    await loadPlugins({ root, config, hostPlugins: options.plugins ?? [], lifecycle, logger, signal: shutdown.signal });
    await setUpRuns(root);
    await setUpExtensions(root);
  } catch (err) {
    await lifecycle.close();
    throw err;
  }
  lifecycle.onClose('stores', 'container', () => root.dispose());
  logger.info('gofer started', { scheduler: config.scheduler, dataDir: config.dataDir });
  return new GoferHandle(root, lifecycle, config, logger);
}
