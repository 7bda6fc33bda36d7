/**
 * The Docker Swarm scheduler: every task execution is a service with one replica and restart
 * condition `none`, created through a swarm manager. The service name is derived from the
 * task execution id and is the scheduler id.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import {
  GoferError, type ContainerRef, type ContainerStatus, type LogChunk, type Logger, type Scheduler,
  type StartContainerRequest, type StartContainerResponse, type StopContainerRequest,
} from '@gofer/core/api';
import type { ManagerClient } from './docker-client.js';
import { registryHost } from './image-reference.js';
import { secretEnvEntrypoint, secretFileVariables, validateSecretMap } from './secret-env.js';
import { serviceNameFor } from './service-name.js';
import { serviceLogs } from './service-logs.js';
import { buildServiceSpec, MANAGED_LABELS } from './service-spec.js';
import type { SwarmSettings } from './settings.js';
import { engineMessage, isNotFound, translateSwarmError } from './swarm-errors.js';
import { lookupSecrets, pinImage, taskArgv, type RegistryAuth } from './task-inputs.js';
import { currentTask, hasStarted, isEnded, isPlaced, taskStatus, type SwarmTask } from './task-state.js';

/** Set on a service's labels when Gofer stops it, so its state reads `cancelled`. */
const STOPPED_LABEL = 'gofer.stopped';
/** How long, past the grace period, a stop waits for the swarm to report the task gone. */
const STOP_SLACK_MS = 10_000;

interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec: Docker.ServiceSpec & { Name?: string; Labels?: Record<string, string> };
}

/** Runs Gofer tasks as Docker Swarm services. Made by the plugin's `create`. */
export class SwarmScheduler implements Scheduler {
  private readonly docker: Docker;
  private readonly address: string;
  /** Services this instance created: one that vanishes reads `unknown`, not "no such container". */
  private readonly started = new Set<string>();
  /** Final statuses of tasks the swarm no longer has: stopped through it, or removed after exit. */
  private readonly ended = new Map<string, ContainerStatus>();
  /** Finished tasks on their way to removal (`removeAfterExit`): what the core has read so far. */
  private readonly finishing = new Map<string, { logsRead: boolean; status?: ContainerStatus }>();
  private localNode: Promise<string | undefined> | undefined;
  /** Aborted by `close`: ends every log iterable still being read. */
  private readonly closing = new AbortController();

  constructor(
    private readonly settings: Readonly<SwarmSettings>,
    client: ManagerClient,
    private readonly logger?: Logger,
  ) {
    this.docker = client.docker;
    this.address = client.address;
  }

  /** Creates the service (replacing a stale same-named one) and resolves once its task runs. */
  async startContainer(req: StartContainerRequest): Promise<StartContainerResponse> {
    validateSecretMap(req.secrets);
    const name = serviceNameFor(req.id, this.settings.serviceNamePrefix);
    // No `image` here: image failures are translated where they happen (registry, pull, node),
    // so that another "not found" (a network, say) is not mistaken for a missing image.
    const ctx = { engine: this.address, service: name };
    try {
      await this.removeService(name);
      const auth = this.registryAuth(req);
      const image = this.settings.resolveImage === 'registry' ? await pinImage(this.docker, req.image, auth) : req.image;
      const secrets = await lookupSecrets(this.docker, req.secrets);
      const env = { ...req.variables };
      let entrypoint = req.entrypoint;
      let args = req.command;
      const wrapped = secrets.length > 0 && this.settings.secretDelivery === 'env';
      if (wrapped) {
        entrypoint = secretEnvEntrypoint(this.settings.shell, req.secrets, await taskArgv(this.docker, req, auth));
        args = undefined;
      } else if (secrets.length > 0) {
        Object.assign(env, secretFileVariables(req.secrets));
      }
      const spec = buildServiceSpec({ name, id: req.id, image, env, labels: req.labels, entrypoint, args, secrets, settings: this.settings });
      await this.docker.createService(auth as Docker.AuthConfig, spec);
      this.started.add(name);
      this.ended.delete(name);
      this.finishing.delete(name);
      await this.waitForStart(name, req.image, wrapped);
      return { schedulerId: name };
    } catch (err) {
      throw translateSwarmError(err, ctx, `start service ${name}`);
    }
  }

  /**
   * Labels the service stopped (so every instance reads `cancelled`), then ends its task:
   * - on the node this client talks to (always, on a one-node swarm): SIGTERM to the container,
   *   SIGKILL once `timeoutMs` passes. The task ends like any other, so its exit code and logs
   *   stay readable until the service is removed;
   * - on another node (swarm cannot signal a task there): the service is scaled to zero; swarm
   *   sends the stop signal and kills after the StopGracePeriod fixed when the service was
   *   created (setting `stopGracePeriodMs`). Swarm drops such a task, and its logs, once it ends.
   * Resolves once the task has ended. A task that already ended is left as it is.
   */
  async stopContainer(req: StopContainerRequest): Promise<void> {
    const name = req.schedulerId;
    const ctx = { engine: this.address, service: name };
    try {
      const service = await this.inspect(name);
      if (!service) {
        if (this.started.has(name)) return;
        throw this.noSuchService(name);
      }
      const before = currentTask(await this.tasks(service.ID));
      if (isEnded(before)) return; // finished on its own: nothing to stop
      const container = this.settings.stopVia === 'auto' ? await this.localContainer(before) : undefined;
      await this.updateService(service, { labels: { [STOPPED_LABEL]: 'true' }, replicas: container ? undefined : 0 });
      if (container) await this.signal(container, 'SIGTERM');
      const killAt = Date.now() + req.timeoutMs;
      const giveUpAt = killAt + (container ? 0 : this.settings.stopGracePeriodMs) + STOP_SLACK_MS;
      let last = before;
      let killed = false;
      for (;;) {
        const task = currentTask(await this.tasks(service.ID));
        if (task) last = task;
        if (!task || isEnded(task)) break;
        if (Date.now() > giveUpAt) throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', `The swarm did not end the task of service ${name} in time (state ${task.Status?.State}).`, { details: { schedulerId: name } });
        if (!killed && Date.now() >= killAt) {
          killed = true;
          const now = container ?? (this.settings.stopVia === 'auto' ? await this.localContainer(task) : undefined);
          if (now) await this.signal(now, 'SIGKILL');
        }
        await sleep(Math.min(this.settings.pollIntervalMs, 100));
      }
      const exitCode = last?.Status?.ContainerStatus?.ExitCode;
      if (!container) this.ended.set(name, isEnded(last) && typeof exitCode === 'number' ? { state: 'cancelled', exitCode } : { state: 'cancelled' });
    } catch (err) {
      throw translateSwarmError(err, ctx, `stop service ${name}`);
    }
  }

  /** The state of the service's task; `cancelled` once Gofer stopped it. */
  async getState(req: ContainerRef): Promise<ContainerStatus> {
    const name = req.schedulerId;
    try {
      const ended = this.ended.get(name);
      if (ended) return { ...ended };
      const service = await this.inspect(name);
      if (!service) {
        if (this.started.has(name)) return { state: 'unknown' };
        throw this.noSuchService(name);
      }
      const task = currentTask(await this.tasks(service.ID));
      if (service.Spec.Labels?.[STOPPED_LABEL] === 'true') {
        const exitCode = task?.Status?.ContainerStatus?.ExitCode;
        const status: ContainerStatus = isEnded(task) && typeof exitCode === 'number' ? { state: 'cancelled', exitCode } : { state: 'cancelled' };
        if (isEnded(task)) await this.noteFinished(name, { status });
        return status;
      }
      const status = taskStatus(task);
      if (status.state === 'unknown') this.logger?.warn('swarm task ended without an exit code', { service: name, state: task?.Status?.State, error: task?.Status?.Err });
      if (isEnded(task)) await this.noteFinished(name, { status });
      return status;
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address, service: name }, `read the state of service ${name}`);
    }
  }

  /** The task's output through the swarm's service logs: live while it runs, ending with it. */
  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const name = req.schedulerId;
    const ctx = { engine: this.address, service: name };
    try {
      const service = await this.inspect(name);
      if (!service) throw this.noSuchService(name);
      const container = this.settings.logsVia === 'auto' ? await this.localContainer(currentTask(await this.tasks(service.ID))) : undefined;
      const logs = serviceLogs({
        open: async (follow) => {
          if (container) {
            try {
              return await this.openLogs('containers', container, follow);
            } catch (err) {
              if (!isNotFound(err)) throw err; // the container is gone: ask the swarm instead
            }
          }
          return this.openLogs('services', service.ID, follow);
        },
        isFinished: async () => {
          try {
            return isEnded(currentTask(await this.tasks(service.ID))) || (await this.inspect(service.ID)) === undefined;
          } catch (err) {
            if (isNotFound(err)) return true;
            throw err;
          }
        },
        demux: (source, stdout, stderr) => this.docker.modem.demuxStream(source, stdout, stderr),
        pollIntervalMs: this.settings.pollIntervalMs,
        signal: this.closing.signal,
      });
      return this.afterLogs(name, translated(logs, (err) => translateSwarmError(err, ctx, `read the logs of service ${name}`)));
    } catch (err) {
      throw translateSwarmError(err, ctx, `read the logs of service ${name}`);
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

  /** Removes the service at once (no grace period) and forgets what this instance kept for it. */
  async removeContainer(req: ContainerRef): Promise<void> {
    const name = req.schedulerId;
    try {
      this.finishing.delete(name);
      const wasStarted = this.started.delete(name);
      const known = this.ended.delete(name) || wasStarted;
      if (!(await this.removeService(name)) && !known) throw this.noSuchService(name);
    } catch (err) {
      throw translateSwarmError(err, { engine: this.address, service: name }, `remove service ${name}`);
    }
  }

  /** Ends the log iterables still open (their HTTP streams); every other call is a plain request. */
  async close(): Promise<void> {
    this.closing.abort();
    this.started.clear();
    this.ended.clear();
    this.finishing.clear();
  }

  /** Notes, once a log iterable has been read to its natural end, that the core has the logs. */
  private async *afterLogs(name: string, logs: AsyncIterable<LogChunk>): AsyncGenerator<LogChunk> {
    yield* logs;
    if (!this.closing.signal.aborted) await this.noteFinished(name, { logsRead: true });
  }

  /**
   * Records what the core has read of a finished task; once it has both the final state and the
   * logs, removes the service as `removeAfterExit` says and keeps the final state in memory.
   */
  private async noteFinished(name: string, seen: { status?: ContainerStatus; logsRead?: boolean }): Promise<void> {
    if (this.settings.removeAfterExit === 'never') return;
    const entry = this.finishing.get(name) ?? { logsRead: false };
    if (seen.status) entry.status = seen.status;
    if (seen.logsRead) entry.logsRead = true;
    this.finishing.set(name, entry);
    if (!entry.logsRead || !entry.status) return;
    this.finishing.delete(name);
    const succeeded = entry.status.state === 'exited' && entry.status.exitCode === 0;
    if (this.settings.removeAfterExit === 'on-success' && !succeeded) return;
    this.ended.set(name, entry.status);
    try {
      await this.removeService(name);
    } catch (err) {
      this.logger?.warn('could not remove a finished swarm service', { service: name, error: engineMessage(err) });
    }
  }

  /** The task's own credentials, else the settings' for the image's registry host. */
  private registryAuth(req: StartContainerRequest): RegistryAuth | undefined {
    const serveraddress = registryHost(req.image);
    if (req.registryAuth) return { username: req.registryAuth.user, password: req.registryAuth.pass, serveraddress };
    const configured = this.settings.registryCredentials[serveraddress];
    return configured ? { ...configured, serveraddress } : undefined;
  }

  private noSuchService(name: string): GoferError {
    return new GoferError('ERR_NO_SUCH_CONTAINER', `The swarm has no service ${name}.`, { details: { schedulerId: name } });
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

  /**
   * Waits until the task runs (or already ended); a task the swarm rejects becomes an error. A
   * task that no node has accepted within `startTimeoutMs` fails (swarm's reason quoted); one
   * that is placed but still preparing then (a long pull) counts as running, as the contract says.
   */
  private async waitForStart(name: string, image: string, wrapped: boolean): Promise<void> {
    const deadline = Date.now() + this.settings.startTimeoutMs;
    const interval = Math.min(this.settings.pollIntervalMs, 100);
    let task: SwarmTask | undefined;
    for (;;) {
      task = currentTask(await this.tasks(name));
      if (hasStarted(task)) break;
      if (Date.now() > deadline) {
        if (isPlaced(task)) return;
        await this.removeService(name);
        throw new GoferError('ERR_SCHEDULER_UNAVAILABLE',
          `No swarm node took service ${name} within ${this.settings.startTimeoutMs} ms (task state: ${task?.Status?.State ?? 'not created'}: ${task?.Status?.Err ?? task?.Status?.Message ?? 'no message'}). Check the placement constraints and that a node has the resources.`,
          { details: { schedulerId: name } });
      }
      await sleep(interval);
    }
    const state = task?.Status?.State;
    const error = task?.Status?.Err ?? '';
    if (state !== 'rejected' && !(state === 'failed' && error.startsWith('starting container failed'))) return;
    await this.removeService(name);
    if (/no such image|pull access denied|manifest unknown|not found: manifest/i.test(error)) {
      throw new GoferError('ERR_NO_SUCH_IMAGE', `The swarm node could not get image ${image}: ${error}. Every node must be able to pull it from its registry.`, { details: { image, schedulerId: name } });
    }
    const hint = wrapped && error.includes(this.settings.shell)
      ? ` The image has no ${this.settings.shell}, which the secret wrapper needs: set "secretDelivery": "file" and read <ENV>_FILE, or use an image with a shell.`
      : '';
    throw new GoferError('ERR_INVALID_ARGUMENT', `The swarm could not start the task's container: ${error}.${hint}`, { details: { image, schedulerId: name } });
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

  /** The task's container when it runs on the node this client talks to, else undefined. */
  private async localContainer(task: SwarmTask | undefined): Promise<string | undefined> {
    this.localNode ??= this.docker.info().then((i: { Swarm?: { NodeID?: string } }) => i.Swarm?.NodeID, () => undefined);
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (!containerId || !task?.NodeID || task.NodeID !== (await this.localNode)) return undefined;
    return containerId;
  }

  /** Sends a signal to a local task container; one that already exited is fine. */
  private async signal(containerId: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    try {
      await this.docker.getContainer(containerId).kill({ signal });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409 && status !== 304) throw err;
    }
  }

  /**
   * A multiplexed log stream from the beginning, as a stream also when not following (dockerode's
   * own calls buffer a finished log whole). `containers` reads one local task container.
   */
  private async openLogs(kind: 'services' | 'containers', id: string, follow: boolean): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial({
        path: `/${kind}/${id}/logs?`,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: `no such ${kind === 'services' ? 'service' : 'container'}`, 500: 'server error', 503: 'node is not part of a swarm' },
        options: { follow, stdout: true, stderr: true },
      }, (err: unknown, stream: unknown) => {
        // A service (or container) removed meanwhile has no more output: an empty read.
        if (err && !follow && kind === 'services' && isNotFound(err)) resolve(Readable.from([]));
        else if (err) reject(err);
        else resolve(stream as Readable);
      });
    });
  }
}

/** Re-throws an iterable's failures translated. */
async function* translated<T>(source: AsyncIterable<T>, translate: (err: unknown) => Error): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw translate(err);
  }
}
