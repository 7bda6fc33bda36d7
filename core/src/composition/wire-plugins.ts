/**
 * Loads the plugins (plugin-host/load-plugins.ts) and registers what they provide: the plugin
 * registry and the active scheduler. The extension run starter is late-bound: registered here
 * unbound, since extensions are created (and may call `ctx.startRun`) before runs exist, and
 * bound by wire-triggers.ts.
 */
import { GoferError } from '../api/index.js';
import { LateBinding, type Container } from '../kernel/di.js';
import { EXTENSION_LOG_BOOK, ExtensionLogBook } from '../plugin-host/extension-log-book.js';
import { EXTENSION_RUN_STARTER, EXTENSION_RUNS_VIEW, HOST_PLUGINS, PLUGIN_HOST, PluginHost, type ExtensionStartRun } from '../plugin-host/load-plugins.js';
import { PLUGIN_REGISTRY, SCHEDULER } from '../plugin-host/registry.js';
import type { ExtensionRunsView, PluginDefinition } from '../api/index.js';

/** Rejects (with one ERR_PLUGIN_STARTUP listing every failure) when a configured plugin fails. */
export async function wirePlugins(root: Container, hostPlugins: readonly PluginDefinition[]): Promise<void> {
  root
    .value(HOST_PLUGINS, hostPlugins)
    .value(
      EXTENSION_RUN_STARTER,
      new LateBinding<ExtensionStartRun>(
        'the extension run starter',
        () => new GoferError('ERR_EXTENSION_UNAVAILABLE', 'An extension tried to start a run before Gofer finished starting.'),
      ),
    )
    .value(
      EXTENSION_RUNS_VIEW,
      new LateBinding<ExtensionRunsView>(
        'the extension runs view',
        () => new GoferError('ERR_EXTENSION_UNAVAILABLE', 'An extension tried to read runs before Gofer finished starting.'),
      ),
    )
    .singleton(EXTENSION_LOG_BOOK, ExtensionLogBook)
    .singleton(PLUGIN_HOST, PluginHost);
  const registry = await root.resolve(PLUGIN_HOST).load();
  const scheduler = registry.scheduler;
  if (!scheduler) throw new GoferError('ERR_PLUGIN_NOT_INSTALLED', 'No scheduler is active.');
  root.value(PLUGIN_REGISTRY, registry).value(SCHEDULER, scheduler.instance);
}
