/** `ctx.state` for plugins: a small key/value table in the Gofer database, one namespace per plugin. */
import type { PluginKind, PluginStateStore } from '../api/index.js';
import { token } from '../kernel/di.js';
import type { SqliteDatabase } from './database.js';

/** `(kind, name) -> store`: each plugin's private key/value state. */
export type PluginStateFactory = (kind: PluginKind, name: string) => PluginStateStore;

export const PLUGIN_STATE = token<PluginStateFactory>('gofer.plugin-state');

/** Returns the factory registered under PLUGIN_STATE: `(kind, name) -> store`. */
export function sqlitePluginState(db: SqliteDatabase): PluginStateFactory {
  const get = db.prepare<[string, string], { value: string }>('SELECT value FROM plugin_state WHERE plugin = ? AND key = ?');
  const set = db.prepare('INSERT INTO plugin_state (plugin, key, value) VALUES (?, ?, ?) ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value');
  const del = db.prepare('DELETE FROM plugin_state WHERE plugin = ? AND key = ?');
  return (kind, name) => {
    const plugin = `${kind}/${name}`;
    return {
      get: async (key) => get.get(plugin, key)?.value,
      set: async (key, value) => void set.run(plugin, key, value),
      delete: async (key) => void del.run(plugin, key),
    };
  };
}
