/**
 * Registers the stores in the root container: the event bus and plugin state (and, as they
 * land, the SQLite database and the pipeline/run/secret/object stores).
 */
import type { DependencyContainer } from 'tsyringe';
import type { PluginKind, PluginStateStore } from '../api/index.js';
import { EventBus } from '../events/event-bus.js';
import { EVENT_BUS, PLUGIN_STATE } from '../kernel/tokens.js';

export async function setUpStores(root: DependencyContainer): Promise<void> {
  root.register(EVENT_BUS, { useValue: new EventBus() });
  const states = new Map<string, Map<string, string>>();
  root.register(PLUGIN_STATE, {
    useValue: (kind: PluginKind, name: string): PluginStateStore => {
      const key = `${kind}/${name}`;
      const map = states.get(key) ?? new Map<string, string>();
      states.set(key, map);
      return {
        get: async (k) => map.get(k),
        set: async (k, v) => void map.set(k, v),
        delete: async (k) => void map.delete(k),
      };
    },
  });
}
