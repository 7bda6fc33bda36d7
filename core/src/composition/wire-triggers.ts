/**
 * Starts the extension host: the subscription store, the run starter every extension's
 * `ctx.startRun` goes through, the subscriptions and extensions APIs, crash reporting for
 * out-of-process extensions, and re-subscribing every stored subscription after a restart.
 */
import { EVENT_BUS } from '../events/event-bus.js';
import type { Container } from '../kernel/di.js';
import { LIFECYCLE, LOGGER } from '../kernel/tokens.js';
import { EXTENSION_RUN_STARTER, EXTENSION_RUNS_VIEW } from '../plugin-host/load-plugins.js';
import { RUNS_API } from '../runs/runs-api.js';
import { PLUGIN_REGISTRY } from '../plugin-host/registry.js';
import { StdioExtension } from '../plugin-host/stdio/stdio-extension.js';
import { EXTENSIONS_API, ExtensionsService } from '../triggers/extensions-service.js';
import { RUN_STARTER, ExtensionRunStarter } from '../triggers/run-starter.js';
import { SUBSCRIPTION_STORE, SubscriptionStore } from '../triggers/subscription-store.js';
import { SUBSCRIPTIONS_API, SubscriptionsService } from '../triggers/subscriptions-service.js';

/** Called after the runs module is wired; resolves once every stored subscription was tried. */
export async function wireTriggers(root: Container): Promise<void> {
  root
    .singleton(SUBSCRIPTION_STORE, SubscriptionStore)
    .singleton(RUN_STARTER, ExtensionRunStarter)
    .singleton(SUBSCRIPTIONS_API, SubscriptionsService)
    .singleton(EXTENSIONS_API, ExtensionsService);

  const starter = root.resolve(RUN_STARTER);
  root.resolve(EXTENSION_RUN_STARTER).bind((extension, req) => starter.start(extension, req));
  root.resolve(EXTENSION_RUNS_VIEW).bind(root.resolve(RUNS_API));

  const logger = root.resolve(LOGGER).child({ module: 'extensions' });
  const registry = root.resolve(PLUGIN_REGISTRY);
  const bus = root.resolve(EVENT_BUS);
  const lifecycle = root.resolve(LIFECYCLE);
  const store = root.resolve(SUBSCRIPTION_STORE);
  const subscriptions = root.resolve(SUBSCRIPTIONS_API);

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
      store.resume(event.payload.pipelineId);
      for (const sub of store.list({ pipelineId: event.payload.pipelineId })) {
        void subscriptions
          .delete(sub.subscriptionId)
          .catch((err: Error) =>
            logger.warn('could not delete a subscription of a deleted pipeline', { subscriptionId: sub.subscriptionId, error: err.message }),
          );
      }
    }),
  );
  // Registered after the extensions' own closers, so it runs first: no new events after close starts.
  lifecycle.onClose('extensions', 'extension host listeners', () => stops.forEach((stop) => stop()));

  await subscriptions.resubscribeAll();
}
