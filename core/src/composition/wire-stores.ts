/**
 * Registers the stores in the root container: the SQLite database (DATABASE, with the core's
 * migrations applied), group commit, the persisted event log and bus, plugin state, and the
 * secret and object stores. Other modules add their own tables with `applyMigrations`
 * (stores/migrations.ts).
 */
import { EVENT_BUS, EventBus } from '../events/event-bus.js';
import { EVENT_STORE, EventStore } from '../events/event-store.js';
import { EVENTS_API, EventsService } from '../events/events-api.js';
import type { Container } from '../kernel/di.js';
import { CONFIG, LIFECYCLE, LOGGER } from '../kernel/tokens.js';
import { OBJECT_STORE, OBJECTS_API, ObjectStore } from '../objects/object-store.js';
import { CORE_MIGRATIONS } from '../stores/core-schema.js';
import { DATABASE } from '../stores/database.js';
import { GROUP_COMMIT, GroupCommit } from '../stores/group-commit.js';
import { applyMigrations } from '../stores/migrations.js';
import { openDatabase } from '../stores/open-database.js';
import { PLUGIN_STATE, sqlitePluginState } from '../stores/plugin-state-store.js';
import { SECRET_STORE, SecretStore } from '../stores/secret-store.js';
import { SECRETS_API, SecretsService } from '../stores/secrets-api.js';

/** Opens the database and registers the stores; called before plugins load. */
export function wireStores(root: Container): void {
  const config = root.resolve(CONFIG);
  const lifecycle = root.resolve(LIFECYCLE);
  const db = openDatabase(config.dataDir);
  root.resolve(LOGGER).debug('database open', { dataDir: config.dataDir, driver: db.driver });
  lifecycle.onClose('stores', 'database', () => {
    if (db.open) db.close();
  });
  applyMigrations(db, 'core', CORE_MIGRATIONS);

  root
    .value(DATABASE, db)
    .singleton(GROUP_COMMIT, GroupCommit)
    .singleton(EVENT_STORE, EventStore)
    .singleton(EVENT_BUS, EventBus)
    .singleton(EVENTS_API, EventsService)
    .factory(PLUGIN_STATE, [DATABASE], sqlitePluginState)
    .singleton(SECRET_STORE, SecretStore)
    .singleton(SECRETS_API, SecretsService)
    .singleton(OBJECT_STORE, ObjectStore)
    .alias(OBJECTS_API, OBJECT_STORE);

  const group = root.resolve(GROUP_COMMIT);
  lifecycle.onClose('stores', 'group commit', () => group.flush());
  // Made now: a weak secret key stops start-up here rather than at the first secret.
  root.resolve(SECRET_STORE);
}
