/** The extensions API: every extension found, its state, process and subscription counts. */
import { GoferError, type ExtensionInfo, type ExtensionsApi } from '../api/index.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { StdioExtension } from './stdio/stdio-extension.js';
import type { SubscriptionStore } from './subscription-store.js';

/** Implements `gofer.extensions`: reads the plugin registry and the subscription store. */
export class ExtensionsService implements ExtensionsApi {
  constructor(private readonly registry: PluginRegistry, private readonly store: SubscriptionStore) {}

  async list(): Promise<ExtensionInfo[]> {
    const counts = new Map<string, { active: number; error: number }>();
    for (const sub of this.store.list()) {
      const c = counts.get(sub.extension) ?? { active: 0, error: 0 };
      c[sub.status] += 1;
      counts.set(sub.extension, c);
    }
    return this.registry
      .list()
      .filter((info) => info.kind === 'extension')
      .map((info) => {
        const active = info.status === 'active' ? this.registry.extension(info.name) : undefined;
        const schema = active?.definition.subscriptionSchema;
        return {
          name: info.name,
          packageName: info.packageName,
          status: info.status,
          ...(info.error ? { error: info.error } : {}),
          ...(info.command ? { command: info.command } : {}),
          ...(active?.instance instanceof StdioExtension ? { process: active.instance.status() } : {}),
          subscriptions: counts.get(info.name) ?? { active: 0, error: 0 },
          ...(schema ? { subscriptionSchema: schema } : {}),
        };
      });
  }

  async get(name: string): Promise<ExtensionInfo> {
    const all = await this.list();
    const found = all.find((e) => e.name === name && e.status === 'active') ?? all.find((e) => e.name === name);
    if (!found) throw new GoferError('ERR_NOT_FOUND', `No extension named "${name}" was found (extensions: ${all.map((e) => e.name).join(', ') || 'none'}).`, { details: { name } });
    return found;
  }
}
