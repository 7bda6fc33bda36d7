/**
 * Every DI token, declared once and typed. Constructor parameters use `@inject(TOKEN)`
 * explicitly: tools built on esbuild emit no decorator metadata.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { InjectionToken } from 'tsyringe';
import type {
  EventsApi, ExtensionsApi, GoferConfig, Logger, ObjectsApi, PipelinesApi, PluginKind, PluginStateStore, RunRef, RunsApi, Scheduler,
  SecretsApi, StartRunRequest, SubscriptionsApi, TasksApi,
} from '../api/index.js';

/** The better-sqlite3 database handle type (what DATABASE resolves to). */
export type SqliteDatabase = BetterSqlite3.Database;

/** A typed token: the symbol carries the type of what it resolves to. */
export type Token<T> = InjectionToken<T> & symbol;

function token<T>(description: string): Token<T> {
  return Symbol(description) as Token<T>;
}

// Root container: singletons for the life of one Gofer instance.
export const CONFIG = token<GoferConfig>('gofer.config');
export const LOGGER = token<Logger>('gofer.logger');
/** The active scheduler instance (the one `config.scheduler` names). */
export const SCHEDULER = token<Scheduler>('gofer.scheduler');
/** Aborted when the instance starts closing. */
export const SHUTDOWN_SIGNAL = token<AbortSignal>('gofer.shutdown-signal');

// Per-run child containers.
export const RUN_ID = token<number>('gofer.run.id');
export const RUN_PIPELINE_ID = token<string>('gofer.run.pipeline-id');
export const RUN_SIGNAL = token<AbortSignal>('gofer.run.signal');

// Set up by the modules that own them (see create-gofer.ts for the order).
export const LIFECYCLE = token<import('./lifecycle.js').Lifecycle>('gofer.lifecycle');
export const EVENT_BUS = token<import('../events/event-bus.js').EventBus>('gofer.event-bus');
/**
 * The SQLite database (better-sqlite3). Modules keep their own tables in it through
 * `applyMigrations(db, '<module>', [...])` from `stores/migrations.ts`.
 */
export const DATABASE: Token<SqliteDatabase> = token<SqliteDatabase>('gofer.database');
/** The persisted event log behind the event bus. */
export const EVENT_STORE = token<import('../events/event-store.js').EventStore>('gofer.event-store');
/** Encrypted pipeline and global secrets. */
export const SECRET_STORE = token<import('../stores/secret-store.js').SecretStore>('gofer.secret-store');
/** Pipeline and run objects. */
export const OBJECT_STORE = token<import('../stores/object-store.js').ObjectStore>('gofer.object-store');
/** Pipelines and their versions. */
export const PIPELINE_STORE = token<import('../pipelines/pipeline-store.js').PipelineStore>('gofer.pipeline-store');
/** Runs and task executions. */
export const RUN_STORE = token<import('../runs/run-store.js').RunStore>('gofer.run-store');
/** Task log files (append, follow, retention). */
export const LOG_STORE = token<import('../runs/log-store.js').LogStore>('gofer.log-store');
/**
 * Run-scoped API tokens (`GOFER_API_TOKEN`): `verify(token)` tells the HTTP service which
 * pipeline and run a token belongs to, while the run is unfinished.
 */
export const RUN_TOKENS = token<import('../runs/run-tokens.js').RunTokens>('gofer.run-tokens');
/** The orchestrator: admits runs under the parallelism limits and drives their DAGs. */
export const ORCHESTRATOR = token<import('../runs/orchestrator.js').Orchestrator>('gofer.orchestrator');
/** Makes the child container of one run and the execution in it (see runs/set-up.ts). */
export const RUN_SCOPES = token<import('../runs/orchestrator.js').RunScopeFactory>('gofer.run-scopes');
/** Shares one SQLite transaction per event-loop turn among the hot write paths. */
export const GROUP_COMMIT = token<import('../stores/group-commit.js').GroupCommit>('gofer.group-commit');
/** Persistent key/value state per plugin: `(kind, name) -> store`. */
export const PLUGIN_STATE = token<(kind: PluginKind, name: string) => PluginStateStore>('gofer.plugin-state');
export const PLUGIN_REGISTRY = token<import('../plugins/registry.js').PluginRegistry>('gofer.plugin-registry');
/** Starts runs on behalf of extensions (late-bound: extensions are created before runs exist). */
export const EXTENSION_RUN_STARTER = token<(extension: string, req: StartRunRequest) => Promise<RunRef>>('gofer.extension-run-starter');

// The typed API of the Gofer handle, one token per area; registered by the owning modules.
export const PIPELINES_API = token<PipelinesApi>('gofer.api.pipelines');
export const RUNS_API = token<RunsApi>('gofer.api.runs');
export const TASKS_API = token<TasksApi>('gofer.api.tasks');
export const SECRETS_API = token<SecretsApi>('gofer.api.secrets');
export const OBJECTS_API = token<ObjectsApi>('gofer.api.objects');
export const EVENTS_API = token<EventsApi>('gofer.api.events');
export const SUBSCRIPTIONS_API = token<SubscriptionsApi>('gofer.api.subscriptions');
export const EXTENSIONS_API = token<ExtensionsApi>('gofer.api.extensions');
/** This data directory's instance id, stamped on containers as `gofer.instance`. */
export const INSTANCE_ID = token<string>('gofer.instance-id');
export const ORPHAN_REAPER = token<import('../runs/orphan-reaper.js').OrphanReaper>('gofer.orphan-reaper');
