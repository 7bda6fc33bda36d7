/**
 * The composition root. Builds one Gofer instance: config, logger, root container, stores,
 * plugins, runs, trigger host; and the ordered close. Only this folder (and tests) resolves from
 * the container; modules declare their dependencies with `@injectable(...)` and never see it.
 *
 * `startGofer` is internal: it returns the handle and the container, for the service (which adds
 * the HTTP API on top) and for tests. Host applications get `createGofer()`, which returns only
 * the `Gofer` handle.
 */
import { GoferError, isGoferError, systemClock, type Gofer, type GoferConfig, type GoferOptions } from '../api/index.js';
import { withDeadline } from '../kernel/deadline.js';
import { Container } from '../kernel/di.js';
import { loadConfig } from '../kernel/config.js';
import { Lifecycle } from '../kernel/lifecycle.js';
import { createLogger } from '../kernel/logger.js';
import { CLOCK, CONFIG, LIFECYCLE, LOGGER, SHUTDOWN_SIGNAL } from '../kernel/tokens.js';
import { SCHEDULER } from '../plugin-host/registry.js';
import { lockDataDir, type DataDirLock } from '../stores/data-dir-lock.js';
import { GOFER, GoferHandle } from './gofer-handle.js';
import { wirePlugins } from './wire-plugins.js';
import { startRuns, wireRuns } from './wire-runs.js';
import { wireStores } from './wire-stores.js';
import { wireTriggers } from './wire-triggers.js';

/** A started core with its root container: for the service's own wiring and for tests. */
export interface GoferInternals {
  readonly gofer: Gofer;
  readonly container: Container;
}

/** What the service does inside the core's start-up. */
export interface StartHooks {
  /**
   * Runs once the stores, plugins and scheduler check are ready and before any unfinished run
   * resumes (the service binds its port here, so a port in use stops start-up before any run
   * is driven). `lock` is the data directory's lock (none for `:memory:`).
   */
  beforeResume?(root: Container, lock: DataDirLock | undefined): Promise<void>;
}

/**
 * Starts a Gofer core. Rejects with a coded error when the config is invalid, the data
 * directory is locked by another Gofer (ERR_DATA_DIR_LOCKED) or cannot be used (ERR_DATA_DIR),
 * a configured plugin fails (one ERR_PLUGIN_STARTUP error lists every failure) or the
 * scheduler cannot be reached (ERR_SCHEDULER_UNAVAILABLE); whatever was started by then is
 * closed again. Nothing resumes before all of these checks have passed.
 */
export async function startGofer(options: GoferOptions = {}, hooks: StartHooks = {}): Promise<GoferInternals> {
  const config = loadConfig(options);
  // Before anything in the directory is read: a second instance must not resume its runs too.
  const lock = config.dataDir === ':memory:' ? undefined : lockDataDir(config.dataDir);
  const logger = options.logger ?? createLogger(config.logLevel);
  const shutdown = new AbortController();
  const lifecycle = new Lifecycle(logger, config.pluginTimeoutMs);
  lifecycle.onClose('extensions', 'shutdown signal', () => shutdown.abort());
  // Registered first in the last phase, so it is released last, after the database closed.
  if (lock) lifecycle.onClose('stores', 'data directory lock', () => lock.release());

  // One root container per instance: several instances never share state.
  const root = Container.root()
    .value(CONFIG, config)
    .value(LOGGER, logger)
    .value(CLOCK, options.clock ?? systemClock)
    .value(SHUTDOWN_SIGNAL, shutdown.signal)
    .value(LIFECYCLE, lifecycle);
  try {
    wireStores(root);
    await wirePlugins(root, options.plugins ?? []);
    wireRuns(root);
    await checkScheduler(root);
    await hooks.beforeResume?.(root, lock);
    startRuns(root);
    await wireTriggers(root);
  } catch (err) {
    await lifecycle.close();
    throw err;
  }
  root.singleton(GOFER, GoferHandle);
  lifecycle.onClose('stores', 'container', () => root.dispose());
  logger.info('gofer started', { scheduler: config.scheduler, dataDir: config.dataDir });
  return { gofer: root.resolve(GOFER), container: root };
}

/**
 * Asks the scheduler whether it can work (`checkReady`), unless `checkScheduler` is false: an
 * engine that cannot be reached stops start-up here, before a resumed run fails on it.
 */
async function checkScheduler(root: Container): Promise<void> {
  const config: GoferConfig = root.resolve(CONFIG);
  const scheduler = root.resolve(SCHEDULER);
  if (!config.checkScheduler || !scheduler.checkReady) return;
  const anyway = 'To start anyway (its tasks fail until it can be reached), pass --no-scheduler-check, set GOFER_CHECK_SCHEDULER=0 or "checkScheduler": false.';
  try {
    await withDeadline(
      scheduler.checkReady(),
      config.pluginTimeoutMs,
      () =>
        new GoferError(
          'ERR_SCHEDULER_UNAVAILABLE',
          `The "${config.scheduler}" scheduler did not answer its readiness check within ${config.pluginTimeoutMs} ms.`,
          {
            details: { scheduler: config.scheduler },
          },
        ),
    );
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', `Gofer did not start: the "${config.scheduler}" scheduler is not ready. ${message} ${anyway}`, {
      cause,
      details: { scheduler: config.scheduler, ...(isGoferError(cause) ? cause.details : {}) },
    });
  }
}
