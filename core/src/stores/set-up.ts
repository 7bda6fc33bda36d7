/**
 * Registers the stores in the root container: the SQLite database (DATABASE, with the core's
 * migrations applied), the persisted event log and bus, plugin state, and the secret and object
 * stores. Other modules add their own tables with `applyMigrations` (stores/migrations.ts).
 */
import type { DependencyContainer } from 'tsyringe';
import { EventBus } from '../events/event-bus.js';
import { EventStore } from '../events/event-store.js';
import { EventsService } from '../events/events-api.js';
import { CONFIG, DATABASE, GROUP_COMMIT, LOGGER, EVENT_BUS, EVENT_STORE, EVENTS_API, LIFECYCLE, OBJECT_STORE, PLUGIN_STATE, SECRET_STORE } from '../kernel/tokens.js';
import { CORE_MIGRATIONS } from './core-schema.js';
import { GroupCommit } from './group-commit.js';
import { applyMigrations } from './migrations.js';
import { ObjectStore } from './object-store.js';
import { openDatabase } from './open-database.js';
import { sqlitePluginState } from './plugin-state-store.js';
import { SecretStore } from './secret-store.js';

/** Opens the database and registers the stores; called by createGofer before plugins load. */
export async function setUpStores(root: DependencyContainer): Promise<void> {
  const config = root.resolve(CONFIG);
  const lifecycle = root.resolve(LIFECYCLE);
  const db = openDatabase(config.dataDir);
  lifecycle.onClose('stores', 'database', () => {
    if (db.open) db.close();
  });
  applyMigrations(db, 'core', CORE_MIGRATIONS);
  root.register(DATABASE, { useValue: db });

  const group = new GroupCommit(db, (err) => root.resolve(LOGGER).error('committing to the database failed; retrying', { error: err.message }));
  lifecycle.onClose('stores', 'group commit', () => group.flush());
  root.register(GROUP_COMMIT, { useValue: group });
  const eventStore = new EventStore(db, group);
  root.register(EVENT_STORE, { useValue: eventStore });
  // In-process listeners hear events at once (the publisher's transaction commits within the
  // turn); events.follow(), which feeds remote clients, yields only committed events.
  root.register(EVENT_BUS, { useValue: new EventBus((event) => eventStore.append(event)) });
  root.register(EVENTS_API, { useValue: root.resolve(EventsService) });
  root.register(PLUGIN_STATE, { useValue: sqlitePluginState(db) });
  // Refuses a weak key at start-up; a missing key is refused only when secrets are used.
  root.register(SECRET_STORE, { useValue: new SecretStore(db, config.secretKey) });
  root.register(OBJECT_STORE, { useValue: root.resolve(ObjectStore) });
}
