/** The `Gofer` handle: a thin, typed facade over the services in the root container. */
import {
  GoferError,
  type EventsApi,
  type ExtensionsApi,
  type Gofer,
  type GoferConfig,
  type Logger,
  type ObjectsApi,
  type PipelinesApi,
  type PluginsApi,
  type ReapResult,
  type RunsApi,
  type SecretsApi,
  type SubscriptionsApi,
  type TasksApi,
} from '../api/index.js';
import { ORPHAN_REAPER, type OrphanReaper } from '../containers/orphan-reaper.js';
import { EVENTS_API } from '../events/events-api.js';
import { injectable, token } from '../kernel/di.js';
import type { Lifecycle } from '../kernel/lifecycle.js';
import { CONFIG, LIFECYCLE, LOGGER } from '../kernel/tokens.js';
import { OBJECTS_API } from '../objects/object-store.js';
import { PIPELINES_API } from '../pipelines/pipelines-api.js';
import { PLUGIN_REGISTRY, type PluginRegistry } from '../plugin-host/registry.js';
import { RUNS_API, TASKS_API } from '../runs/runs-api.js';
import { SECRETS_API } from '../stores/secrets-api.js';
import { EXTENSIONS_API } from '../triggers/extensions-service.js';
import { SUBSCRIPTIONS_API } from '../triggers/subscriptions-service.js';

@injectable(
  CONFIG,
  LOGGER,
  LIFECYCLE,
  PLUGIN_REGISTRY,
  PIPELINES_API,
  RUNS_API,
  TASKS_API,
  SECRETS_API,
  OBJECTS_API,
  EVENTS_API,
  SUBSCRIPTIONS_API,
  EXTENSIONS_API,
  ORPHAN_REAPER,
)
export class GoferHandle implements Gofer {
  readonly plugins: PluginsApi;

  constructor(
    readonly config: GoferConfig,
    readonly logger: Logger,
    private readonly lifecycle: Lifecycle,
    registry: PluginRegistry,
    private readonly pipelinesApi: PipelinesApi,
    private readonly runsApi: RunsApi,
    private readonly tasksApi: TasksApi,
    private readonly secretsApi: SecretsApi,
    private readonly objectsApi: ObjectsApi,
    private readonly eventsApi: EventsApi,
    private readonly subscriptionsApi: SubscriptionsApi,
    private readonly extensionsApi: ExtensionsApi,
    private readonly reaper: OrphanReaper,
  ) {
    this.plugins = { list: () => registry.list() };
  }

  get pipelines(): PipelinesApi {
    return this.open(this.pipelinesApi, 'pipelines');
  }
  get runs(): RunsApi {
    return this.open(this.runsApi, 'runs');
  }
  get tasks(): TasksApi {
    return this.open(this.tasksApi, 'tasks');
  }
  get secrets(): SecretsApi {
    return this.open(this.secretsApi, 'secrets');
  }
  get objects(): ObjectsApi {
    return this.open(this.objectsApi, 'objects');
  }
  get events(): EventsApi {
    return this.open(this.eventsApi, 'events');
  }
  get subscriptions(): SubscriptionsApi {
    return this.open(this.subscriptionsApi, 'subscriptions');
  }
  get extensions(): ExtensionsApi {
    return this.open(this.extensionsApi, 'extensions');
  }

  reapOrphans(): Promise<ReapResult> {
    return this.open(this.reaper, 'orphan reaping').reap();
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }

  private open<T>(area: T, name: string): T {
    if (this.lifecycle.closed)
      throw new GoferError('ERR_GOFER_CLOSED', `This Gofer instance is closed; the ${name} API is no longer available. Create a new one with createGofer().`);
    return area;
  }
}

export const GOFER = token<Gofer>('gofer.handle');
