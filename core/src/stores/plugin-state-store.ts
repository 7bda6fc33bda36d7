/** `ctx.state` for plugins: a small key/value table in the Gofer database, one namespace per plugin. */
import type { Database } from 'better-sqlite3';
import type { PluginKind, PluginStateStore } from '../api/index.js';

/** Returns the factory registered under PLUGIN_STATE: `(kind, name) -> store`. */
export function sqlitePluginState(db: Database): (kind: PluginKind, name: string) => PluginStateStore {
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
