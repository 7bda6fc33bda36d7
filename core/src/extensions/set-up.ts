/**
 * Starts the extension host: the subscription store, the run starter every extension's
 * `ctx.startRun` goes through, the subscriptions and extensions APIs, crash reporting for
 * out-of-process extensions, and re-subscribing every stored subscription after a restart.
 */
import type { DependencyContainer } from 'tsyringe';
import {
  CONFIG, DATABASE, EVENT_BUS, EXTENSION_RUN_STARTER, EXTENSIONS_API, LIFECYCLE, LOGGER, PIPELINES_API, PLUGIN_REGISTRY, RUNS_API,
  SECRET_STORE, SUBSCRIPTIONS_API,
} from '../kernel/tokens.js';
import { ExtensionsService } from './extensions-service.js';
import { ExtensionRunStarter } from './run-starter.js';
import { StdioExtension } from './stdio/stdio-extension.js';
import { SubscriptionStore } from './subscription-store.js';
import { SubscriptionsService } from './subscriptions-service.js';

/** Called by createGofer after the runs module is set up; resolves once every stored subscription was tried. */
export async function setUpExtensions(root: DependencyContainer): Promise<void> {
  const config = root.resolve(CONFIG);
  const logger = root.resolve(LOGGER).child({ module: 'extensions' });
  const registry = root.resolve(PLUGIN_REGISTRY);
  const bus = root.resolve(EVENT_BUS);
  const lifecycle = root.resolve(LIFECYCLE);
  const store = new SubscriptionStore(root.resolve(DATABASE));

  const starter = new ExtensionRunStarter(store, () => root.resolve(RUNS_API));
  root.register(EXTENSION_RUN_STARTER, { useValue: (extension, req) => starter.start(extension, req) });

  const subscriptions = new SubscriptionsService({
    store,
    registry,
    bus,
    secrets: root.resolve(SECRET_STORE),
    logger,
    pipelines: () => (root.isRegistered(PIPELINES_API, true) ? root.resolve(PIPELINES_API) : undefined),
    timeoutMs: config.pluginTimeoutMs,
  });
  root.register(SUBSCRIPTIONS_API, { useValue: subscriptions });
  root.register(EXTENSIONS_API, { useValue: new ExtensionsService(registry, store) });

  const stops: Array<() => void> = [];
  for (const { info, instance } of registry.extensions()) {
    if (!(instance instanceof StdioExtension)) continue;
    stops.push(
      instance.onCrash((crash) => bus.publish('extension.crashed', { extension: info.name, exitCode: crash.exitCode, restartInMs: crash.restartInMs })),
      instance.onRefusal((subscriptionId, reason) => subscriptions.markFailed(subscriptionId, reason)),
    );
  }
  // A deleted pipeline takes its subscriptions with it.
  stops.push(
    bus.subscribe((event) => {
      if (event.type !== 'pipeline.deleted') return;
      for (const sub of store.list({ pipelineId: event.payload.pipelineId })) {
        void subscriptions.delete(sub.subscriptionId).catch((err: Error) => logger.warn('could not delete a subscription of a deleted pipeline', { subscriptionId: sub.subscriptionId, error: err.message }));
      }
    }),
  );
  // Registered after the extensions' own closers, so it runs first: no new events after close starts.
  lifecycle.onClose('extensions', 'extension host listeners', () => stops.forEach((stop) => stop()));

  await subscriptions.resubscribeAll();
}
