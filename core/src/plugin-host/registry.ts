/** Every plugin found at start-up, what became of it, and the instances in use. */
import type { Extension, ExtensionDefinition, PluginInfo, Scheduler } from '../api/index.js';
import { token } from '../kernel/di.js';

export interface ActiveExtension {
  info: PluginInfo;
  definition: ExtensionDefinition;
  instance: Extension;
}

export class PluginRegistry {
  private readonly infos: PluginInfo[] = [];
  private readonly active = new Map<string, ActiveExtension>();
  private schedulerEntry: { info: PluginInfo; instance: Scheduler } | undefined;

  record(info: PluginInfo): void {
    this.infos.push(info);
  }

  setScheduler(info: PluginInfo, instance: Scheduler): void {
    this.schedulerEntry = { info, instance };
  }

  addExtension(entry: ActiveExtension): void {
    this.active.set(entry.info.name, entry);
  }

  /** Every plugin, sorted by kind then name; failures included with their reason. */
  list(): PluginInfo[] {
    return [...this.infos]
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.packageName.localeCompare(b.packageName))
      .map((i) => ({ ...i }));
  }

  get scheduler(): { info: PluginInfo; instance: Scheduler } | undefined {
    return this.schedulerEntry;
  }

  extension(name: string): ActiveExtension | undefined {
    return this.active.get(name);
  }

  extensions(): ActiveExtension[] {
    return [...this.active.values()];
  }
}

export const PLUGIN_REGISTRY = token<PluginRegistry>('gofer.plugin-registry');
/** The active scheduler instance (the one `config.scheduler` names). */
export const SCHEDULER = token<Scheduler>('gofer.scheduler');
