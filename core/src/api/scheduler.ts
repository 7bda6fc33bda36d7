/**
 * The scheduler contract: where task containers run. Shaped after the original Gofer `Engine`
 * interface (start, stop, state, logs). Implementations live in their own packages
 * (`plugins/scheduler-*`) and are made with {@link defineScheduler}.
 */
import type { PluginDefinitionBase, SettingsOf, SettingsSchema } from './plugin.js';
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
  /**
   * Every environment variable the container must see, already merged and substituted. Values
   * the core substituted from its secret store are in here in clear; the core masks them in the
   * output it stores (see {@link Scheduler} on masking).
   */
  variables: Record<string, string>;
  /**
   * `ENV_NAME -> location`: secrets that live in the orchestrator. The scheduler resolves the
   * location with its own secret mechanism; Gofer never reads the values. A key here wins over
   * the same key in `variables`: the container gets the secret.
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
  /**
   * Set when the pipeline has `workspace: true`: the run's shared directory. Every task of the
   * run gets the same one, mounted (or placed) where the container sees it as `/workspace`
   * (or, where a scheduler cannot mount, a directory of its own), with the variable
   * `GOFER_WORKSPACE` naming it. The scheduler creates it on first use (two first tasks may
   * start at once; a new instance after a restart finds the same one); the core calls
   * {@link Scheduler.removeWorkspace} once the run has ended and its containers are removed.
   * An id outside `[a-zA-Z0-9_-]` is `ERR_INVALID_ARGUMENT`.
   */
  workspace?: WorkspaceRef;
}

/**
 * A run's shared workspace. `id` is unique per run and data directory
 * (`<pipeline>_<run>_<instance>`, of `[a-zA-Z0-9_-]`): safe in file, volume and label values.
 */
export interface WorkspaceRef {
  id: string;
}

/** A request for a finished container's outputs (see {@link Scheduler.readOutputs}). */
export interface ReadOutputsRequest {
  schedulerId: string;
  /**
   * The core's size limit: return at most `maxBytes + 1` bytes (so the core can tell the file
   * is too big without the scheduler reading all of it).
   */
  maxBytes: number;
}

/** What a scheduler returns after starting a container. */
export interface StartContainerResponse {
  /** The scheduler's own handle for the container, used in every later call. */
  schedulerId: string;
  /**
   * Optional: the environment keys that carry the request's `secrets` in the container, as
   * `ENV_NAME -> location`, when they are not the `secrets` keys themselves (a scheduler that
   * hands secrets over as files may set `DB_PASSWORD_FILE` instead of `DB_PASSWORD`). The core
   * lists these keys on the task. Never values. Absent: the `secrets` keys, as given.
   */
  secretEnv?: Record<string, string>;
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
  /**
   * Optional: why the container ended this way, in words, when the exit code alone does not say
   * (for example "the swarm node running it went down"). The core puts it in the task's
   * status reason.
   */
  reason?: string;
}

/** One piece of a container's output, in the order it was produced on its stream. */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/**
 * A container orchestrator.
 *
 * **Calls.** For one container the core calls `startContainer`, then `getLogs` (read to its
 * end) and `getState` (again, with backoff, until the container is no longer running);
 * `stopContainer` at any time while it runs; `removeContainer` last. After a restart of the core
 * a new instance gets `getState` and `getLogs` for containers an earlier one started. All
 * methods may be called concurrently for different containers.
 *
 * **Errors** are {@link GoferError}s with the codes `ERR_NO_SUCH_CONTAINER`,
 * `ERR_NO_SUCH_IMAGE`, `ERR_REGISTRY_AUTH` or `ERR_SCHEDULER_UNAVAILABLE` (plus
 * `ERR_INVALID_ARGUMENT` / `ERR_NOT_FOUND` for a request that cannot run); translate engine
 * errors at this boundary.
 *
 * **Masking: two kinds of secrets, two owners.** Values the core substituted into `variables`
 * (`pipeline_secret{{...}}`, `global_secret{{...}}`, `GOFER_API_TOKEN`) are masked by the core in
 * the output it stores and streams: the scheduler does nothing for them. Values the scheduler
 * resolves itself from `secrets` never reach the core, so the scheduler masks them in what
 * `getLogs` yields (`maskedLogs` from this API), also for a new instance after a restart
 * (resolve the locations again, or read the values back from the container). A scheduler whose
 * secrets only the container can read (Docker Swarm secrets) cannot mask them, and says so in
 * its docs.
 *
 * **Keep the process alive while tasks run.** The promises and iterables a scheduler returns
 * for a running task must be backed by live handles (a socket, a timer, a child process): a
 * scheduler that `unref()`s what a running task depends on lets Node.js exit silently in the
 * middle of a run once nothing else is pending. `unref()` only work nobody waits for.
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
  /**
   * Optional: removes a container and everything the scheduler keeps for it (records, files,
   * buffers), killing it first if it still runs (no grace period).
   *
   * The core calls it once it has read the task's final state **and** its logs to the end and
   * recorded both, as its `removeAfterExit` says; the orphan reaper calls it for containers of
   * finished tasks that a core killed in between left behind, and recovery for a leftover that
   * was created but never started. A scheduler never removes a finished container on its own:
   * it cannot know when the core is done reading.
   *
   * Afterwards `getState`, `getLogs` and `stopContainer` reject with `ERR_NO_SUCH_CONTAINER`
   * (for this instance and a new one), and `listContainers` no longer lists it. Idempotent: a
   * container that is already gone, or never existed, is not an error. Without this method
   * finished containers are left to the operator, and there is nothing to reap.
   */
  removeContainer?(req: ContainerRef): Promise<void>;
  /**
   * Optional: resolves once the scheduler can start containers (the Docker engine answers a
   * ping), rejects with `ERR_SCHEDULER_UNAVAILABLE` saying what to fix when it cannot. The core
   * calls it once at start-up, after `create` and before any unfinished run resumes, unless the
   * config's `checkScheduler` is false; a rejection stops start-up. Bounded by the plugin time
   * limit; it must not start or change anything.
   */
  checkReady?(): Promise<void>;
  /**
   * Optional: task outputs. A scheduler that implements it sets the variable `GOFER_OUTPUT` in
   * every container it starts to the path of a file the task may write `KEY=value` lines to (a
   * file of that container alone: no other task can write it), and returns that file's bytes
   * here once the container has ended, before it is removed (`undefined` when the task wrote
   * none, or put something other than a regular file there). The scheduler's `GOFER_OUTPUT`
   * wins over a task variable of that name. The core parses, limits and stores them. Called
   * after `getState` says the container ended (whatever its exit code), possibly by a new
   * instance after a restart; rejects with `ERR_NO_SUCH_CONTAINER` for a container that was
   * removed or never existed. Without this method tasks have no `GOFER_OUTPUT` and no outputs.
   */
  readOutputs?(req: ReadOutputsRequest): Promise<Uint8Array | undefined>;
  /**
   * Optional, required for pipelines with `workspace: true` (the core refuses to start their
   * runs without it): removes a run's workspace and what is in it. Called once the run has
   * ended and its containers were removed; idempotent (a workspace that is already gone, or
   * was never made, is not an error). A workspace still used by a kept container
   * (`removeAfterExit: never`) may be left for the operator: say so in the docs. An id outside
   * `[a-zA-Z0-9_-]` is `ERR_INVALID_ARGUMENT` (it could name a path elsewhere).
   */
  removeWorkspace?(req: WorkspaceRef): Promise<void>;
  /** Releases connections and timers. Called once, after every run has stopped using it. */
  close?(): Promise<void>;
}

/** A scheduler plugin: made by {@link defineScheduler}, the default export of its entry. */
export interface SchedulerDefinition<Settings = Record<string, unknown>> extends PluginDefinitionBase<'scheduler', Settings, Scheduler> {}

/** What {@link defineScheduler} takes: the definition without the fields it adds. */
export type SchedulerDefinitionInput<Settings> = Omit<SchedulerDefinition<Settings>, 'kind' | typeof PLUGIN_BRAND>;

/**
 * Declares a scheduler plugin. The result is a plain, branded object: export it as the
 * default export of the module named by the package's `gofer.entry`. The settings type
 * `create` receives is inferred from `settingsSchema`:
 *
 * ```ts
 * export default defineScheduler({
 *   name: 'docker', apiVersion: 1,
 *   settingsSchema: Type.Object({ socketPath: Type.Optional(Type.String()) }, { additionalProperties: false }),
 *   create: (ctx, settings) => new DockerScheduler(ctx, settings), // settings: { socketPath?: string }
 * });
 * ```
 */
export function defineScheduler<const Schema extends SettingsSchema>(
  definition: Omit<SchedulerDefinitionInput<SettingsOf<Schema>>, 'settingsSchema'> & { readonly settingsSchema: Schema },
): SchedulerDefinition<SettingsOf<Schema>>;
/** Declares a scheduler plugin whose settings type is given (or that takes no settings). */
export function defineScheduler<Settings = Record<string, unknown>>(definition: SchedulerDefinitionInput<Settings>): SchedulerDefinition<Settings>;
export function defineScheduler<Settings>(definition: SchedulerDefinitionInput<Settings>): SchedulerDefinition<Settings> {
  return Object.freeze({ ...definition, kind: 'scheduler' as const, [PLUGIN_BRAND]: true as const });
}
