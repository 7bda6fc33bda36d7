/**
 * The scheduler contract: where task containers run. Shaped after the original Gofer `Engine`
 * interface (start, stop, state, logs). Implementations live in their own packages
 * (`plugins/scheduler-*`) and are made with {@link defineScheduler}.
 */
import type { PluginDefinitionBase } from './plugin.js';
import { PLUGIN_BRAND } from './plugin.js';

/** What the core asks a scheduler to run for one task execution. */
export interface StartContainerRequest {
  /**
   * A unique, deterministic id for this task execution (`<pipeline>_<run>_<task>` in the
   * core). Schedulers derive container names from it so that a retry finds the stale one.
   */
  id: string;
  /** The image reference exactly as the pipeline config gave it. */
  image: string;
  /** Every environment variable the container must see, already merged and substituted. */
  variables: Record<string, string>;
  /**
   * `ENV_NAME -> location`: secrets that live in the orchestrator. The scheduler resolves the
   * location with its own secret mechanism; Gofer never reads the values.
   */
  secrets: Record<string, string>;
  /** Credentials for the image registry, when the image is private. */
  registryAuth?: { user: string; pass: string };
  /** Pull the image even when it exists locally. */
  alwaysPull?: boolean;
  /** Replaces the image's entrypoint when given. */
  entrypoint?: string[];
  /** Replaces the image's command when given. */
  command?: string[];
  /** Labels to put on the container (`gofer.pipeline`, `gofer.run`, `gofer.task`, ...). */
  labels: Record<string, string>;
}

/** What a scheduler returns after starting a container. */
export interface StartContainerResponse {
  /** The scheduler's own handle for the container, used in every later call. */
  schedulerId: string;
}

/** A request to stop a container: graceful first, forced once `timeoutMs` passes. */
export interface StopContainerRequest {
  schedulerId: string;
  /** How long to wait after the graceful signal before killing. */
  timeoutMs: number;
}

/** A request naming one container. */
export interface ContainerRef {
  schedulerId: string;
}

/**
 * - `running`: started and not yet finished (also while the image is pulled).
 * - `exited`: finished on its own; `exitCode` says how.
 * - `cancelled`: finished because it was stopped through {@link Scheduler.stopContainer}.
 * - `unknown`: the scheduler cannot tell (for example the container vanished).
 */
export type ContainerState = 'unknown' | 'running' | 'exited' | 'cancelled';

/** The state of a container as the scheduler sees it. */
export interface ContainerStatus {
  state: ContainerState;
  /** Set when the state is `exited` (and `cancelled` when the engine reports one). */
  exitCode?: number;
}

/** One piece of a container's output, in the order it was produced on its stream. */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/**
 * A container orchestrator. All methods may be called concurrently for different containers.
 * Errors are {@link GoferError}s with the codes `ERR_NO_SUCH_CONTAINER`, `ERR_NO_SUCH_IMAGE`,
 * `ERR_REGISTRY_AUTH` or `ERR_SCHEDULER_UNAVAILABLE`; translate engine errors at this boundary.
 */
export interface Scheduler {
  /**
   * Creates and starts a container (pulling the image when needed) and resolves once it is
   * running. A same-id container left over from an earlier attempt is replaced.
   */
  startContainer(req: StartContainerRequest): Promise<StartContainerResponse>;
  /**
   * Stops a container: a graceful signal, then a kill once `timeoutMs` passes. Resolves when
   * the container is no longer running. Stopping a finished container is not an error.
   */
  stopContainer(req: StopContainerRequest): Promise<void>;
  /** The current state of a container. */
  getState(req: ContainerRef): Promise<ContainerStatus>;
  /**
   * The container's output from its beginning. The iterable follows a running container live
   * and ends when the container's output ends. It may be called again (for example after the
   * core restarts) and yields the whole output again.
   */
  getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>>;
  /**
   * Optional: lists the scheduler ids of containers that carry the given labels (all of them),
   * so that the core can find containers no unfinished task owns.
   */
  listContainers?(req: { labels: Record<string, string> }): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>>;
  /** Optional: removes a container and everything the scheduler keeps for it. */
  removeContainer?(req: ContainerRef): Promise<void>;
  /** Releases connections and timers. Called once, after every run has stopped using it. */
  close?(): Promise<void>;
}

/** A scheduler plugin: made by {@link defineScheduler}, the default export of its entry. */
export interface SchedulerDefinition<Settings = Record<string, unknown>>
  extends PluginDefinitionBase<'scheduler', Settings, Scheduler> {}

/**
 * Declares a scheduler plugin. The result is a plain, branded object: export it as the
 * default export of the module named by the package's `gofer.entry`.
 *
 * ```ts
 * export default defineScheduler({
 *   name: 'docker', apiVersion: 1,
 *   settingsSchema: { type: 'object', properties: { socketPath: { type: 'string' } } },
 *   create: (ctx, settings) => new DockerScheduler(ctx, settings),
 * });
 * ```
 */
export function defineScheduler<Settings = Record<string, unknown>>(
  definition: Omit<SchedulerDefinition<Settings>, 'kind' | typeof PLUGIN_BRAND>,
): SchedulerDefinition<Settings> {
  return Object.freeze({ ...definition, kind: 'scheduler' as const, [PLUGIN_BRAND]: true as const });
}
