/**
 * The extensions API: every extension found, its state, process and subscription counts; the
 * switches that pause the triggers of the instance or of a pipeline; each extension's recent log.
 */
import { GoferError, type ExtensionInfo, type ExtensionLogLine, type ExtensionsApi, type PipelinesApi, type TriggerPauses } from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { PIPELINES_API } from '../pipelines/pipelines-api.js';
import { EXTENSION_LOG_BOOK, type ExtensionLogBook } from '../plugin-host/extension-log-book.js';
import { PLUGIN_REGISTRY, type PluginRegistry } from '../plugin-host/registry.js';
import { StdioExtension } from '../plugin-host/stdio/stdio-extension.js';
import { SUBSCRIPTION_STORE, type SubscriptionStore } from './subscription-store.js';

/** Implements `gofer.extensions`: reads the plugin registry, the subscription store and the log book. */
@injectable(PLUGIN_REGISTRY, SUBSCRIPTION_STORE, EVENT_BUS, EXTENSION_LOG_BOOK, PIPELINES_API)
export class ExtensionsService implements ExtensionsApi {
  private readonly deps: { registry: PluginRegistry; store: SubscriptionStore; bus: EventBus; logBook: ExtensionLogBook; pipelines: PipelinesApi };

  constructor(registry: PluginRegistry, store: SubscriptionStore, bus: EventBus, logBook: ExtensionLogBook, pipelines: PipelinesApi) {
    this.deps = { registry, store, bus, logBook, pipelines };
  }

  async list(): Promise<ExtensionInfo[]> {
    const counts = new Map<string, { active: number; error: number; disabled: number }>();
    for (const sub of this.deps.store.list()) {
      const c = counts.get(sub.extension) ?? { active: 0, error: 0, disabled: 0 };
      c[sub.status] += 1;
      if (!sub.enabled) c.disabled += 1;
      counts.set(sub.extension, c);
    }
    return this.deps.registry
      .list()
      .filter((info) => info.kind === 'extension')
      .map((info) => {
        const active = info.status === 'active' ? this.deps.registry.extension(info.name) : undefined;
        const schema = active?.definition.subscriptionSchema;
        return {
          name: info.name,
          packageName: info.packageName,
          status: info.status,
          ...(info.error ? { error: info.error } : {}),
          ...(info.command ? { command: info.command } : {}),
          ...(active?.instance instanceof StdioExtension ? { process: active.instance.status() } : {}),
          subscriptions: counts.get(info.name) ?? { active: 0, error: 0, disabled: 0 },
          ...(schema ? { subscriptionSchema: schema as Record<string, unknown> } : {}),
          ...(active?.definition.listener ? { listener: true } : {}),
        };
      });
  }

  async get(name: string): Promise<ExtensionInfo> {
    const all = await this.list();
    const found = all.find((e) => e.name === name && e.status === 'active') ?? all.find((e) => e.name === name);
    if (!found)
      throw new GoferError('ERR_NOT_FOUND', `No extension named "${name}" was found (extensions: ${all.map((e) => e.name).join(', ') || 'none'}).`, {
        details: { name },
      });
    return found;
  }

  async pauseTriggers(opts: { pipelineId?: string; reason?: string } = {}): Promise<TriggerPauses> {
    if (opts.pipelineId !== undefined) await this.deps.pipelines.get(opts.pipelineId);
    if (opts.reason !== undefined && typeof opts.reason !== 'string') throw new GoferError('ERR_INVALID_ARGUMENT', 'reason: must be a string.');
    if (this.deps.store.pause(opts.pipelineId, opts.reason)) {
      this.deps.bus.publish('triggers.paused', {
        ...(opts.pipelineId !== undefined ? { pipelineId: opts.pipelineId } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
    }
    return this.deps.store.pauses();
  }

  async resumeTriggers(opts: { pipelineId?: string } = {}): Promise<TriggerPauses> {
    if (this.deps.store.resume(opts.pipelineId)) {
      this.deps.bus.publish('triggers.resumed', opts.pipelineId !== undefined ? { pipelineId: opts.pipelineId } : {});
    }
    return this.deps.store.pauses();
  }

  async triggerPauses(): Promise<TriggerPauses> {
    return this.deps.store.pauses();
  }

  async logs(name: string, opts: { after?: number; limit?: number; level?: ExtensionLogLine['level'] } = {}): Promise<ExtensionLogLine[]> {
    await this.get(name); // ERR_NOT_FOUND for a name no extension has
    return this.deps.logBook.read(name, opts);
  }
}

export const EXTENSIONS_API = token<ExtensionsApi>('gofer.api.extensions');
