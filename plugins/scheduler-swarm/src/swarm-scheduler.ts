/**
 * The Docker Swarm scheduler: every task execution is a service with one replica and restart
 * condition `none`, created through a swarm manager. The service name is derived from the
 * task execution id and is the scheduler id.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  GoferError,
  type PluginStateStore,
  type ContainerRef,
  type ContainerStatus,
  type ReadOutputsRequest,
  type WorkspaceRef,
  type LogChunk,
  type Logger,
  type Scheduler,
  type StartContainerRequest,
  type StartContainerResponse,
  type StopContainerRequest,
} from '@gofer/core/api';
import {
  engineFailure,
  isNoOp,
  isTransportError,
  registryAuthAddress,
  registryAuthFor,
  registryHost,
  type EngineClient,
  type RegistryAuthConfig,
} from '@gofer/docker-common';
import { secretFileKeys, validateSecretMap } from './secret-env.js';
import { lastTrailer, OUTPUT_NONCE_LABEL, withoutTrailers } from './output-trailer.js';
import { taskSetup } from './task-setup.js';
import { removeWorkspaceVolume, validateWorkspace, WORKSPACE_LABEL, workspaceNode, WorkspacePins, workspaceVolumeName } from './workspace.js';
import { serviceNameFor } from './service-name.js';
import { COMPLETE_READ_STALL_MS, dockerDemux, serviceLogs } from './service-logs.js';
import { buildServiceSpec, MANAGED_LABELS, placementConstraints } from './service-spec.js';
import { unmetConstraints } from './placement-check.js';
import type { SwarmSettings } from './settings.js';
import { engineMessage, isNotFound, noSuchObject, SWARM, translateSwarmError } from './swarm-errors.js';
import { lookupSecrets, pinImage, taskArgv } from './task-inputs.js';
import { describeNode, isLost, SwarmNodes, type NodeView } from './swarm-nodes.js';
import { currentTask, isEnded, taskStatus, type SwarmTask } from './task-state.js';
import { waitForStart } from './start-wait.js';
import { EndedStates } from './ended-states.js';
import { openLogs, translated } from './log-streams.js';

/** Set on a service's labels when Gofer stops it, so its state reads `cancelled`. */
const STOPPED_LABEL = 'gofer.stopped';
/** How long, past the grace period, a stop waits for the swarm to report the task gone. */
const STOP_SLACK_MS = 10_000;

interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec: Docker.ServiceSpec & { Name?: string; Labels?: Record<string, string> };
}

/** A task's container on an engine Gofer reaches: the manager's own, or a `nodeEngines` one. */
interface TaskContainer {
  docker: Docker;
  id: string;
}

/** Runs Gofer tasks as Docker Swarm services. Made by the plugin's `create`. */
export class SwarmScheduler implements Scheduler {
  private readonly docker: Docker;
  private readonly address: string;
  private readonly nodes: SwarmNodes;
  /** Services this instance created: one that vanishes reads `unknown`, not "no such container". */
  private readonly started = new Set<string>();
  /** Final states of tasks stopped through the swarm (which drops them). */
  private readonly ended: EndedStates;
  /** Set once the manager has answered: afterwards a manager that stops answering is waited for (a restart). */
  private managerAnswered = false;
  /** Aborted by `close`: ends every log iterable still being read. */
  private readonly closing = new AbortController();
  /** The node each run's workspace lives on. */
  private readonly workspaces: WorkspacePins;

  constructor(
    private readonly settings: Readonly<SwarmSettings>,
    client: EngineClient,
    private readonly logger?: Logger,
    store?: PluginStateStore,
  ) {
    this.docker = client.docker;
    this.address = client.address;
    this.nodes = new SwarmNodes(this.docker, settings);
    this.ended = new EndedStates(store);
    this.workspaces = new WorkspacePins(store, (id) => workspaceNode(this.docker, id), {
      inSwarm: async (node) => !(await this.nodes.view(node)).removed,
      logger,
    });
  }

  /**
   * Creates the service (replacing a stale same-named one) and resolves once its task runs. With
   * a workspace, the task is pinned to the node of the workspace's first task (see
   * `WorkspacePins` in workspace.ts).
   */
  async startContainer(req: StartContainerRequest): Promise<StartContainerResponse> {
    validateSecretMap(req.secrets);
    if (req.workspace) validateWorkspace(req.workspace);
    const name = serviceNameFor(req.id, this.settings.serviceNamePrefix);
    // No `image` here: image failures are translated where they happen (registry, pull, node),
    // so that another "not found" (a network, say) is not mistaken for a missing image.
    const ctx = { engine: this.address, schedulerId: name };
    try {
      await this.removeService(name);
      await this.ended.forget(name);
      this.managerAnswered = true;
      const auth = this.registryAuth(req);
      const image = this.settings.resolveImage === 'registry' ? await pinImage(this.docker, req.image, auth) : req.image;
      const secrets = await lookupSecrets(this.docker, req.secrets);
      const setup = await taskSetup(req, this.settings, secrets.length > 0, () => taskArgv(this.docker, req, auth));
      const { env, labels, mounts, entrypoint, args, wrapped } = setup;
      const create = async (node: string | undefined): Promise<string | undefined> => {
        if (node !== undefined && req.workspace) await this.checkPin(node, req.workspace.id, labels);
        const constraints = node !== undefined ? [`node.id==${node}`] : [];
        const spec = buildServiceSpec({ name, id: req.id, image, env, labels, entrypoint, args, secrets, mounts, constraints, settings: this.settings });
        await this.docker.createService(auth as Docker.AuthConfig, spec);
        this.started.add(name);
        await waitForStart({ name, image: req.image, wrapped, settings: this.settings, tasks: () => this.tasks(name), remove: () => this.removeService(name) });
        return currentTask(await this.tasks(name))?.NodeID || undefined;
      };
      if (req.workspace) await this.workspaces.start(req.workspace.id, create);
      else await create(undefined);
      return { schedulerId: name, ...(secrets.length > 0 && !setup.secretsAsEnv ? { secretEnv: secretFileKeys(req.secrets) } : {}) };
    } catch (err) {
      throw translateSwarmError(err, ctx, `start service ${name}`);
    }
  }

  /**
   * Fails at once, naming both, when the task's own placement (the settings' constraints, the
   * placement rules its labels match) excludes the node its workspace is pinned to: the swarm
   * would otherwise hold the task pending, "scheduling constraints not satisfied", until the
   * start timeout. A run with a workspace runs on one node (its volume is local to it).
   */
  private async checkPin(node: string, workspace: string, labels: Readonly<Record<string, string>>): Promise<void> {
    const view = await this.nodes.view(node).catch(() => undefined);
    if (!view || view.removed) return;
    const unmet = unmetConstraints(view, placementConstraints(this.settings, labels));
    if (unmet.length === 0) return;
    throw new GoferError(
      'ERR_INVALID_ARGUMENT',
      `The task's placement (${unmet.join(', ')}) excludes swarm node ${describeNode(view)}, where its run's workspace ${workspace} lives: every task of a run with a workspace runs on the node of its first task. Make the "constraints" and "placement" rules that match the run's tasks agree on one node.`,
      { details: { field: 'placement', workspace, node, constraints: unmet } },
    );
  }

  /**
   * Labels the service stopped (so every instance reads `cancelled`), then ends its task:
   * - on a node whose engine Gofer reaches (the manager's own; any other one listed in
   *   `nodeEngines`): SIGTERM to the container, SIGKILL once `timeoutMs` passes. The task ends
   *   like any other, so its exit code and logs stay readable until the service is removed;
   * - on another node (swarm cannot signal a task there): the service is scaled to zero; swarm
   *   sends the stop signal and kills after the StopGracePeriod fixed when the service was
   *   created (setting `stopGracePeriodMs`, whole seconds). Swarm drops such a task, and its
   *   logs, once it ends; its final state is kept in the plugin's state store.
   * Resolves once the task has ended. A task that already ended is left as it is.
   */
  async stopContainer(req: StopContainerRequest): Promise<void> {
    const name = req.schedulerId;
    const ctx = { engine: this.address, schedulerId: name };
    try {
      const service = await this.inspect(name);
      if (!service) {
        if (this.started.has(name) || (await this.ended.get(name))) return;
        throw this.noSuchService(name);
      }
      const before = currentTask(await this.tasks(service.ID));
      if (isEnded(before)) return; // finished on its own: nothing to stop
      const container = this.settings.stopVia === 'auto' ? await this.taskContainer(before) : undefined;
      await this.updateService(service, { labels: { [STOPPED_LABEL]: 'true' }, replicas: container ? undefined : 0 });
      if (container) await this.signal(container, 'SIGTERM');
      else this.warnAboutGrace(name, req.timeoutMs, before);
      const killAt = Date.now() + req.timeoutMs;
      const giveUpAt = killAt + (container ? 0 : this.settings.stopGracePeriodMs) + STOP_SLACK_MS;
      let last = before;
      let killed = false;
      for (;;) {
        const task = currentTask(await this.tasks(service.ID));
        if (task) last = task;
        if (!task || isEnded(task)) break;
        const fate = await this.statusOf(task);
        if (fate.state !== 'running') break; // its node is gone: nothing there will answer
        if (Date.now() > giveUpAt)
          throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', `The swarm did not end the task of service ${name} in time (state ${task.Status?.State}).`, {
            details: { schedulerId: name },
          });
        if (!killed && Date.now() >= killAt) {
          killed = true;
          const now = container ?? (this.settings.stopVia === 'auto' ? await this.taskContainer(task) : undefined);
          if (now) await this.signal(now, 'SIGKILL');
        }
        await sleep(Math.min(this.settings.pollIntervalMs, 100));
      }
      const exitCode = last?.Status?.ContainerStatus?.ExitCode;
      if (!container) await this.ended.keep(name, isEnded(last) && typeof exitCode === 'number' ? { state: 'cancelled', exitCode } : { state: 'cancelled' });
    } catch (err) {
      throw translateSwarmError(err, ctx, `stop service ${name}`);
    }
  }

  /** The state of the service's task; `cancelled` once Gofer stopped it. */
  async getState(req: ContainerRef): Promise<ContainerStatus> {
    const name = req.schedulerId;
    try {
      return await this.whileManagerReturns(async () => {
        const ended = await this.ended.get(name);
        if (ended) return ended;
        const service = await this.inspect(name);
        if (!service) {
          if (this.started.has(name)) return { state: 'unknown', reason: `the service ${name} was removed outside Gofer` };
          throw this.noSuchService(name);
        }
        const task = currentTask(await this.tasks(service.ID));
        if (service.Spec.Labels?.[STOPPED_LABEL] === 'true') {
          const exitCode = task?.Status?.ContainerStatus?.ExitCode;
          return isEnded(task) && typeof exitCode === 'number' ? { state: 'cancelled', exitCode } : { state: 'cancelled' };
        }
        const status = await this.statusOf(task);
        if (status.state === 'unknown')
          this.logger?.warn('swarm task ended without an exit code', { service: name, state: task?.Status?.State, reason: status.reason });
        return status;
      });
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address, schedulerId: name }, `read the state of service ${name}`);
    }
  }

  /**
   * The task's output: from its container when Gofer reaches the engine running it (the
   * manager's, or one in `nodeEngines`), else through the swarm's service logs; live while it
   * runs, ending with it. A stream that breaks (an engine restarting) is opened again. The
   * outputs trailer the wrapper prints is not part of it.
   */
  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const name = req.schedulerId;
    const ctx = { engine: this.address, schedulerId: name };
    try {
      const { logs, nonce } = await this.rawLogs(name);
      const own = nonce !== undefined ? withoutTrailers(logs, nonce) : logs;
      return translated(own, (err) => translateSwarmError(err, ctx, `read the logs of service ${name}`));
    } catch (err) {
      throw translateSwarmError(err, ctx, `read the logs of service ${name}`);
    }
  }

  /**
   * What the task wrote to `GOFER_OUTPUT`: the last trailer the wrapper printed on its stdout,
   * read from the task's logs (so from any node, and by a new instance: the nonce is a service
   * label). Undefined when the task wrote nothing, ran without the outputs wrapper, or was stopped
   * through the swarm (which drops the task and its logs).
   */
  async readOutputs(req: ReadOutputsRequest): Promise<Uint8Array | undefined> {
    const name = req.schedulerId;
    const ctx = { engine: this.address, schedulerId: name };
    try {
      const { logs, nonce } = await this.rawLogs(name);
      if (nonce === undefined) return undefined;
      return await lastTrailer(logs, nonce, req.maxBytes);
    } catch (err) {
      throw translateSwarmError(err, ctx, `read the outputs of service ${name}`);
    }
  }

  /**
   * Removes the workspace's volume on the manager's engine and, when Gofer reaches it
   * (`nodeEngines`), on the node the workspace was pinned to. A volume on a node Gofer cannot
   * reach stays there (a warning says which); one still in use by a kept service is left too.
   * A workspace that is gone, or never was, is not an error.
   */
  async removeWorkspace(req: WorkspaceRef): Promise<void> {
    validateWorkspace(req);
    const volume = workspaceVolumeName(req.id);
    try {
      const node = await this.workspaces.nodeOf(req.id);
      const engines = new Set<Docker>([this.docker]);
      const nodeEngine = node !== undefined ? await this.nodes.engineFor(node) : undefined;
      if (nodeEngine) engines.add(nodeEngine);
      for (const engine of engines) await removeWorkspaceVolume(engine, this.docker, req.id, this.logger);
      if (node !== undefined && !nodeEngine)
        this.logger?.warn('the workspace volume stays on the swarm node that ran its tasks: Gofer cannot reach that engine', {
          volume,
          node,
          fix: `on that node: docker volume rm ${volume} (or docker volume prune --filter label=${WORKSPACE_LABEL}=${req.id}), or list its engine in "nodeEngines"`,
        });
      await this.workspaces.forget(req.id);
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address }, `remove workspace volume ${volume}`);
    }
  }

  /** Services made by this plugin that carry all the given labels. */
  async listContainers(req: { labels: Record<string, string> }): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>> {
    try {
      const wanted = { ...req.labels, 'gofer.scheduler': MANAGED_LABELS['gofer.scheduler'] };
      const services = (await this.docker.listServices({ filters: { label: Object.entries(wanted).map(([k, v]) => `${k}=${v}`) } })) as ServiceInfo[];
      return services.map((s) => ({ schedulerId: s.Spec.Name ?? s.ID, labels: { ...s.Spec.Labels } }));
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address }, 'list services');
    }
  }

  /**
   * Removes the service at once (no grace period) and forgets what this instance kept for it.
   * A service that is already gone is not an error.
   */
  async removeContainer(req: ContainerRef): Promise<void> {
    const name = req.schedulerId;
    try {
      this.started.delete(name);
      await this.ended.forget(name);
      await this.removeService(name);
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address, schedulerId: name }, `remove service ${name}`);
    }
  }

  /** The manager's engine answers a ping; ERR_SCHEDULER_UNAVAILABLE (with its address and the fix) otherwise. */
  async checkReady(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address }, 'ping the swarm manager');
    }
  }

  /** Ends the log iterables still open (their HTTP streams); every other call is a plain request. */
  async close(): Promise<void> {
    this.closing.abort();
    this.started.clear();
    this.ended.clear();
    this.workspaces.clear();
  }

  /** The task's own credentials, else the settings' for the image's registry host. */
  private registryAuth(req: StartContainerRequest): RegistryAuthConfig | undefined {
    if (req.registryAuth) return registryAuthFor(req.image, req.registryAuth);
    const configured = this.settings.registryCredentials[registryHost(req.image)];
    return configured ? { ...configured, serveraddress: registryAuthAddress(req.image) } : undefined;
  }

  /** The service's whole output as read (trailer included), with the nonce of its trailer when it has one. */
  private async rawLogs(name: string): Promise<{ logs: AsyncIterable<LogChunk>; nonce: string | undefined }> {
    const service = await this.whileManagerReturns(() => this.inspect(name));
    if (!service) throw this.noSuchService(name);
    const logs = serviceLogs({
      open: (follow) => this.openTaskLogs(service.ID, follow),
      isFinished: () =>
        this.whileManagerReturns(async () => {
          if (await this.ended.get(name)) return true;
          const current = await this.inspect(service.ID);
          if (current === undefined) return true;
          const task = currentTask(await this.tasks(service.ID));
          // Stopped through the swarm (scaled to zero): the swarm may already have dropped its
          // task, and with it the only state to read. Without this, a task read as "not placed
          // yet" (running) kept the stream reopening forever (seen once in CI: a test hung).
          if (!task && current.Spec.Labels?.[STOPPED_LABEL] === 'true') return true;
          return (await this.statusOf(task)).state !== 'running';
        }),
      demux: dockerDemux,
      pollIntervalMs: this.settings.pollIntervalMs,
      signal: this.closing.signal,
      onStall: () =>
        this.logger?.warn(
          `the swarm's log read of ended service ${name} brought nothing for ${COMPLETE_READ_STALL_MS / 1000} s without ending: it was given up, so the output may lack its end`,
        ),
    });
    return { logs, nonce: service.Spec.Labels?.[OUTPUT_NONCE_LABEL] };
  }

  private noSuchService(name: string): GoferError {
    return noSuchObject(SWARM, name);
  }

  /** The task's state, counting a task whose node was lost as ended (the swarm keeps showing it running). */
  private async statusOf(task: SwarmTask | undefined): Promise<ContainerStatus> {
    let node: NodeView | undefined;
    if (task?.NodeID && !isEnded(task)) node = await this.nodes.view(task.NodeID);
    else if (task?.NodeID && task.Status?.State === 'shutdown') node = await this.nodes.view(task.NodeID).catch(() => undefined);
    return taskStatus(task, node);
  }

  /**
   * Runs a read against the manager; when a manager that answered before stops answering (it
   * restarts), tries again until `reconnectTimeoutMs` passes. A manager that never answered
   * fails at once: that is a setting to fix, not a restart to ride out.
   */
  private async whileManagerReturns<T>(read: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.settings.reconnectTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await read();
        this.managerAnswered = true;
        return result;
      } catch (err) {
        const transient = isTransportError(err) || engineFailure(err).statusCode === 503;
        if (!transient || !this.managerAnswered || Date.now() >= deadline || this.closing.signal.aborted) throw err;
        if (attempt === 0) this.logger?.warn('the swarm manager does not answer; waiting for it', { engine: this.address, error: (err as Error).message });
        await sleep(Math.min(100 * 2 ** attempt, 1000, Math.max(0, deadline - Date.now())));
      }
    }
  }

  private async inspect(nameOrId: string): Promise<ServiceInfo | undefined> {
    try {
      return (await this.docker.getService(nameOrId).inspect()) as ServiceInfo;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async tasks(serviceId: string): Promise<SwarmTask[]> {
    return (await this.docker.listTasks({ filters: { service: [serviceId] } })) as SwarmTask[];
  }

  /** Removes a service; false when there was none. */
  private async removeService(nameOrId: string): Promise<boolean> {
    try {
      await this.docker.getService(nameOrId).remove();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Swarm's stop of a remote task waits the grace period fixed at creation, whatever the request asks: say so once. */
  private warnAboutGrace(name: string, timeoutMs: number, task: SwarmTask | undefined): void {
    const graceMs = Math.floor(this.settings.stopGracePeriodMs / 1000) * 1000;
    if (timeoutMs === graceMs) return;
    this.logger?.warn(
      'a task on a node Gofer cannot reach is stopped through the swarm: it is killed after the grace period fixed when it was created, not after the stop timeout',
      { service: name, node: task?.NodeID, timeoutMs, stopGracePeriodMs: graceMs, fix: 'list the node\'s engine in the "nodeEngines" setting' },
    );
  }

  /** Adds labels (and sets the replica count), retrying once when the service changed meanwhile. */
  private async updateService(service: ServiceInfo, change: { labels: Record<string, string>; replicas?: number }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = attempt === 0 ? service : await this.inspect(service.ID);
      if (!current) return;
      const spec = { ...current.Spec, Labels: { ...current.Spec.Labels, ...change.labels } };
      if (change.replicas !== undefined) spec.Mode = { Replicated: { Replicas: change.replicas } };
      try {
        await this.docker.getService(current.ID).update({ _query: { version: current.Version?.Index }, _body: spec });
        return;
      } catch (err) {
        if (attempt > 0 || !/out of sequence/i.test(engineMessage(err))) throw err;
      }
    }
  }

  /** The task's container when Gofer reaches the engine running it (stop and logs go there directly), else undefined. */
  private async taskContainer(task: SwarmTask | undefined): Promise<TaskContainer | undefined> {
    const id = task?.Status?.ContainerStatus?.ContainerID;
    if (!id) return undefined;
    const docker = await this.nodes.engineFor(task.NodeID);
    return docker ? { docker, id } : undefined;
  }

  /** Sends a signal to a task container; one that already exited is fine. */
  private async signal(container: TaskContainer, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    try {
      await container.docker.getContainer(container.id).kill({ signal });
    } catch (err) {
      if (!isNotFound(err) && !isNoOp(err)) throw err;
    }
  }

  /**
   * One read of the task's output from the beginning: from its container when Gofer reaches
   * that engine (and it still answers), else the swarm's service logs (through the manager,
   * which waits out its own restart).
   */
  private async openTaskLogs(serviceId: string, follow: boolean): Promise<Readable> {
    const task = currentTask(await this.whileManagerReturns(() => this.tasks(serviceId)));
    const container = this.settings.logsVia === 'auto' ? await this.taskContainer(task) : undefined;
    if (container) {
      try {
        return await openLogs(container.docker, 'containers', container.id, follow);
      } catch (err) {
        // The container is gone, or its engine does not answer (stopped, restarting): ask the swarm.
        if (!isNotFound(err) && !isTransportError(err)) throw err;
      }
    }
    if (!follow && task?.NodeID && !isEnded(task) && isLost(await this.nodes.view(task.NodeID))) {
      // The node running the task is lost: nothing more of its output can be had.
      return Readable.from([]);
    }
    return this.whileManagerReturns(() => openLogs(this.docker, 'services', serviceId, follow));
  }
}
