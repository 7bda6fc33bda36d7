/** The `Gofer` handle: a thin, typed facade over the services in the root container. */
import type { DependencyContainer } from 'tsyringe';
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
import type { Lifecycle } from './lifecycle.js';
import { ORPHAN_REAPER, EVENTS_API, EXTENSIONS_API, OBJECTS_API, PIPELINES_API, PLUGIN_REGISTRY, RUNS_API, SECRETS_API, SUBSCRIPTIONS_API, TASKS_API, type Token } from './tokens.js';

export class GoferHandle implements Gofer {
  readonly plugins: PluginsApi;

  constructor(
    private readonly root: DependencyContainer,
    private readonly lifecycle: Lifecycle,
    readonly config: GoferConfig,
    readonly logger: Logger,
  ) {
    const registry = root.resolve(PLUGIN_REGISTRY);
    this.plugins = { list: () => registry.list() };
  }

  get pipelines(): PipelinesApi {
    return this.service(PIPELINES_API, 'pipelines');
  }
  get runs(): RunsApi {
    return this.service(RUNS_API, 'runs');
  }
  get tasks(): TasksApi {
    return this.service(TASKS_API, 'tasks');
  }
  get secrets(): SecretsApi {
    return this.service(SECRETS_API, 'secrets');
  }
  get objects(): ObjectsApi {
    return this.service(OBJECTS_API, 'objects');
  }
  get events(): EventsApi {
    return this.service(EVENTS_API, 'events');
  }
  get subscriptions(): SubscriptionsApi {
    return this.service(SUBSCRIPTIONS_API, 'subscriptions');
  }
  get extensions(): ExtensionsApi {
    return this.service(EXTENSIONS_API, 'extensions');
  }

  /** The root container, for the composition root's own modules (server, CLI). Not for plugins. */
  get container(): DependencyContainer {
    return this.root;
  }

  reapOrphans(): Promise<ReapResult> {
    return this.service(ORPHAN_REAPER, 'orphan reaping').reap();
  }

  close(): Promise<void> {
    return this.lifecycle.close();
  }

  private service<T>(token: Token<T>, area: string): T {
    if (this.lifecycle.closed) throw new GoferError('ERR_GOFER_CLOSED', `This Gofer instance is closed; the ${area} API is no longer available. Create a new one with createGofer().`);
    return this.root.resolve(token);
  }
}
