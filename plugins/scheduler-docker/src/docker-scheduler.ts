/**
 * `DockerScheduler implements Scheduler`: task executions as Docker containers through
 * dockerode. Docker types stay in this package; callers see only the core's contract.
 * Outputs are a file of each container (`/gofer-output`, or `/gofer/output` for non-root images:
 * output-file.ts); a run's workspace is
 * a named volume at `/workspace` (workspace-volumes.ts).
 */
import type Docker from 'dockerode';
import type {
  ContainerRef,
  ContainerStatus,
  LogChunk,
  Logger,
  PluginContext,
  ReadOutputsRequest,
  Scheduler,
  StartContainerRequest,
  StartContainerResponse,
  StopContainerRequest,
  WorkspaceRef,
} from '@gofer/core/api';
import { maskedLogs, resolveSecrets } from '@gofer/core/api';
import { engineClient } from '@gofer/docker-common';
import { containerNameFor } from './container-name.js';
import { isNoOp, isNotFound, translateEngineError, type ErrorContext } from './engine-errors.js';
import { ExecutionRecords } from './execution-records.js';
import { ensureImage } from './image-puller.js';
import { LiveLog } from './live-log.js';
import { SECRET_ENV_LABEL, secretValuesFromEnv } from './mask-secrets.js';
import { followEngineLogs, pipeMultiplexed } from './log-streams.js';
import { outputDirArchive, readOutputFile, ROOT_OUTPUT_FILE, runsAsRoot, USER_OUTPUT_FILE } from './output-file.js';
import { withDefaults, type DockerSchedulerSettings } from './settings.js';
import { WORKSPACE_TARGET, WorkspaceVolumes, workspaceVolumeName } from './workspace-volumes.js';

/** Labels every container this scheduler creates carries, besides the core's own. */
export const MANAGED_LABELS = Object.freeze({ 'gofer.managed': 'true', 'gofer.scheduler': 'docker' });

/** A live attach stream opened before start, buffered for the first readers. */
interface AttachSession {
  log: LiveLog;
  stop: () => void;
}

/** Unread attach output above which the attach stream is paused (the engine then holds back). */
const ATTACH_HIGH_WATER_BYTES = 8 * 1024 * 1024;

/** How long an unread attach buffer of a finished container stays in memory. */
const UNREAD_BUFFER_TTL_MS = 60_000;

/** Runs task executions as Docker containers. See docs/schedulers.md for the settings. */
export class DockerScheduler implements Scheduler {
  readonly docker: Docker;
  private readonly settings: DockerSchedulerSettings;
  private readonly engine: string;
  private readonly records: ExecutionRecords;
  private readonly logger: Logger;
  private readonly workspaces: WorkspaceVolumes;
  private readonly sessions = new Map<string, AttachSession>();
  private readonly starting = new Set<string>();
  /** Secret values this instance resolved per container, masked in its logs. */
  private readonly secretValues = new Map<string, string[]>();
  /** Whether an image (by reference) runs as root, read once per image and instance (again after a pull). */
  private readonly imageRunsAsRoot = new Map<string, boolean>();
  /** Each container's `GOFER_OUTPUT`, for readOutputs (after a restart: read from the container). */
  private readonly outputFiles = new Map<string, string>();

  constructor(ctx: Pick<PluginContext, 'dataDir' | 'logger'>, settings: Partial<DockerSchedulerSettings> = {}) {
    this.settings = withDefaults(settings);
    this.records = new ExecutionRecords(ctx.dataDir);
    this.logger = ctx.logger;
    ({ docker: this.docker, address: this.engine } = engineClient(this.settings));
    this.workspaces = new WorkspaceVolumes(this.docker, this.engine, this.logger);
  }

  async startContainer(req: StartContainerRequest): Promise<StartContainerResponse> {
    const name = containerNameFor(req.id);
    const secretEnv = await resolveSecrets(req.secrets, this.settings.secrets);
    this.secretValues.set(name, Object.values(secretEnv));
    const ctx: ErrorContext = { engine: this.engine, schedulerId: name };
    this.starting.add(name);
    try {
      const { container, outputFile } = await this.create(name, req, secretEnv);
      this.outputFiles.set(name, outputFile);
      const stream = await this.prepare(name, container, outputFile);
      const session: AttachSession = { log: undefined as never, stop: () => {} };
      session.log = new LiveLog({
        capBytes: this.settings.liveLogBufferBytes,
        onAbandon: () => session.stop(),
        highWaterBytes: ATTACH_HIGH_WATER_BYTES,
        onPressure: (pause) => (pause ? stream.pause() : stream.resume()),
      });
      session.stop = pipeMultiplexed(this.docker, stream, session.log);
      this.sessions.set(name, session);
      stream.on('end', () => setTimeout(() => this.dropIdleSession(name, session), UNREAD_BUFFER_TTL_MS).unref());
      await this.records.put({ name, image: req.image, startedAt: Date.now() });
      try {
        await container.start();
      } catch (err) {
        await this.forget(name, true);
        throw translateEngineError(err, ctx, `start container ${name}`);
      }
      return { schedulerId: name };
    } catch (err) {
      throw translateEngineError(err, ctx, `start container ${name}`);
    } finally {
      this.starting.delete(name);
    }
  }

  /**
   * The steps between create and start: attach (the engine's fastest output path, and nothing
   * is missed) and, for an image that does not run as root, put `/gofer` in beside it (so
   * `$GOFER_OUTPUT` can be written). When either fails the container is removed: it never started.
   */
  private async prepare(name: string, container: Docker.Container, outputFile: string): Promise<NodeJS.ReadableStream> {
    const [attached, put] = await Promise.allSettled([
      container.attach({ stream: true, stdout: true, stderr: true }) as Promise<NodeJS.ReadableStream>,
      outputFile === USER_OUTPUT_FILE ? outputDirArchive().then((tar) => container.putArchive(tar, { path: '/' })) : Promise.resolve(),
    ]);
    if (attached.status === 'fulfilled' && put.status === 'fulfilled') return attached.value;
    if (attached.status === 'fulfilled') (attached.value as NodeJS.ReadableStream & { destroy(): void }).destroy();
    await this.forget(name, true).catch(() => undefined); // the failure below is the one to report
    const ctx: ErrorContext = { engine: this.engine, schedulerId: name };
    if (put.status === 'rejected') throw translateEngineError(put.reason, ctx, `put ${USER_OUTPUT_FILE}'s directory into container ${name}`);
    throw translateEngineError((attached as PromiseRejectedResult).reason, ctx, `attach to container ${name}`);
  }

  /**
   * Where the container's `$GOFER_OUTPUT` goes: by the user its image runs as, read from the
   * image once per reference (pulling it first when it is missing, as the create would).
   */
  private async outputFileFor(image: string, pull: () => Promise<void>): Promise<string> {
    let root = this.imageRunsAsRoot.get(image);
    if (root === undefined) {
      let info: Docker.ImageInspectInfo;
      try {
        info = await this.docker.getImage(image).inspect();
      } catch (err) {
        if (!isNotFound(err)) throw translateEngineError(err, { engine: this.engine, image }, `inspect image ${image}`);
        await pull();
        info = await this.docker.getImage(image).inspect();
      }
      root = runsAsRoot(info.Config?.User);
      this.imageRunsAsRoot.set(image, root);
    }
    return root ? ROOT_OUTPUT_FILE : USER_OUTPUT_FILE;
  }

  /**
   * Creates the container. The common case costs one engine call: the image's presence and a
   * stale same-named container are discovered from the create's 404/409 and handled then.
   */
  private async create(
    name: string,
    req: StartContainerRequest,
    secretEnv: Record<string, string>,
  ): Promise<{ container: Docker.Container; outputFile: string }> {
    // Before anything is made: an invalid id fails the start with nothing to undo.
    const volume = req.workspace ? workspaceVolumeName(req.workspace) : undefined;
    const policy = req.alwaysPull ? 'always' : this.settings.pullPolicy;
    const pull = async () => {
      await ensureImage(this.docker, { image: req.image, policy, registryAuth: req.registryAuth }, this.engine);
      this.imageRunsAsRoot.delete(req.image); // the reference may name another image now
    };
    if (policy === 'always') await pull();
    const outputFile = await this.outputFileFor(req.image, pull);
    // The contract's variables win over the task's: they are where the core looks.
    const own = { GOFER_OUTPUT: outputFile, ...(volume ? { GOFER_WORKSPACE: WORKSPACE_TARGET } : {}) };
    const options: Docker.ContainerCreateOptions = {
      name,
      Image: req.image,
      Env: Object.entries({ ...req.variables, ...secretEnv, ...own }).map(([k, v]) => `${k}=${v}`),
      ...(req.entrypoint?.length ? { Entrypoint: req.entrypoint } : {}),
      ...(req.command?.length ? { Cmd: req.command } : {}),
      Labels: {
        ...req.labels,
        ...MANAGED_LABELS,
        'gofer.id': req.id,
        ...(Object.keys(secretEnv).length > 0 ? { [SECRET_ENV_LABEL]: Object.keys(secretEnv).join(',') } : {}),
      },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      StopTimeout: Math.ceil(this.settings.stopTimeoutMs / 1000),
      HostConfig: {
        NetworkMode: this.settings.networkMode,
        ...(volume ? { Mounts: [{ Type: 'volume' as const, Source: volume, Target: WORKSPACE_TARGET }] } : {}),
      },
    };
    // Made with its labels before the create would make it bare; once per workspace and instance.
    if (req.workspace) await this.workspaces.ensure(req.workspace);
    await this.forget(name, false);
    for (let attempt = 0; ; attempt++) {
      try {
        return { container: await this.docker.createContainer(options), outputFile };
      } catch (err) {
        const { statusCode, message } = err as { statusCode?: number; message?: string };
        const noImage = statusCode === 404 && /no such image/i.test(String(message));
        if (attempt < 2 && noImage && policy !== 'always')
          await pull(); // the image is missing locally
        else if (attempt < 2 && statusCode === 409)
          await this.forget(name, true); // a stale container has the name
        else throw translateEngineError(err, { engine: this.engine, ...(noImage ? { image: req.image } : {}) }, `create container ${name}`);
      }
    }
  }

  async stopContainer(req: StopContainerRequest): Promise<void> {
    const name = req.schedulerId;
    const container = this.docker.getContainer(name);
    const { status, info } = await this.inspect(name);
    if (status.state !== 'running') return;
    const timeoutMs = Number.isFinite(req.timeoutMs) && req.timeoutMs >= 0 ? req.timeoutMs : this.settings.stopTimeoutMs;
    const ctx: ErrorContext = { engine: this.engine, schedulerId: name };
    await this.markCancelled(name, true);
    try {
      // The image's own stop signal when it declares one, as `docker stop` does.
      const declared = (info?.Config as { StopSignal?: string } | undefined)?.StopSignal;
      await container.kill({ signal: declared || 'SIGTERM' });
    } catch (err) {
      if (isNoOp(err) || isNotFound(err)) return this.markCancelled(name, false); // it ended on its own first
      throw translateEngineError(err, ctx, `stop container ${name}`);
    }
    if (await this.waitUntilStopped(container, timeoutMs)) return;
    try {
      await container.kill({ signal: 'SIGKILL' });
    } catch (err) {
      if (!isNoOp(err) && !isNotFound(err)) throw translateEngineError(err, ctx, `kill container ${name}`);
    }
    await this.waitUntilStopped(container, Infinity);
  }

  async getState(req: ContainerRef): Promise<ContainerStatus> {
    return (await this.inspect(req.schedulerId)).status;
  }

  /** The engine's view of a container, mapped to a status; one this scheduler started that vanished is `unknown`. */
  private async inspect(name: string): Promise<{ status: ContainerStatus; info?: Docker.ContainerInspectInfo }> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(name).inspect();
    } catch (err) {
      const record = isNotFound(err) ? await this.records.get(name) : undefined;
      if (!record) throw translateEngineError(err, { engine: this.engine, schedulerId: name }, `inspect container ${name}`);
      return { status: { state: 'unknown' } };
    }
    const { Status, ExitCode } = info.State;
    if (Status === 'running' || Status === 'paused' || Status === 'restarting') return { status: { state: 'running' }, info };
    // Created but never started: running only while this instance is starting it.
    if (Status === 'created') return { status: { state: this.starting.has(name) ? 'running' : 'unknown' }, info };
    const record = await this.records.get(name);
    return { status: { state: record?.cancelled ? 'cancelled' : 'exited', exitCode: ExitCode }, info };
  }

  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const name = req.schedulerId;
    const session = this.sessions.get(name);
    if (session?.log.fromStart) return this.tracked(name, maskedLogs(session.log.read(), await this.secretValuesOf(name)), session);
    const container = this.docker.getContainer(name);
    try {
      return this.tracked(name, maskedLogs(await followEngineLogs(this.docker, container), await this.secretValuesOf(name)));
    } catch (err) {
      throw translateEngineError(err, { engine: this.engine, schedulerId: name }, `read logs of ${name}`);
    }
  }

  /** The scheduler-resolved secret values of a container; read back from the engine after a restart. */
  private async secretValuesOf(name: string): Promise<string[]> {
    const known = this.secretValues.get(name);
    if (known) return known;
    try {
      const info = await this.docker.getContainer(name).inspect();
      return secretValuesFromEnv(info.Config.Labels, info.Config.Env);
    } catch {
      return []; // gone: reading its logs fails on its own, with the engine's error
    }
  }

  async listContainers(req: { labels: Record<string, string> }): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>> {
    const labels = { ...req.labels, ...MANAGED_LABELS };
    try {
      const found = await this.docker.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
      return found.map((c) => ({ schedulerId: (c.Names[0] ?? c.Id).replace(/^\//, ''), labels: c.Labels }));
    } catch (err) {
      throw translateEngineError(err, { engine: this.engine }, 'list containers');
    }
  }

  async removeContainer(req: ContainerRef): Promise<void> {
    await this.forget(req.schedulerId, true);
  }

  /** The container's output file from its archive (at most `maxBytes + 1` bytes); undefined when the task wrote none. */
  async readOutputs(req: ReadOutputsRequest): Promise<Uint8Array | undefined> {
    const name = req.schedulerId;
    const ctx: ErrorContext = { engine: this.engine, schedulerId: name };
    try {
      const container = this.docker.getContainer(name);
      const path = this.outputFiles.get(name) ?? (await this.outputFileOf(container));
      const { bytes, notAFile } = await readOutputFile(container, path, req.maxBytes + 1);
      if (notAFile) this.logger.warn(`the task replaced ${path} with something other than a file: it has no outputs`, { schedulerId: name });
      return bytes;
    } catch (err) {
      throw translateEngineError(err, ctx, `read the outputs of ${name}`);
    }
  }

  /** A container's `GOFER_OUTPUT`, from its environment (a container an earlier instance started). */
  private async outputFileOf(container: Docker.Container): Promise<string> {
    const env = (await container.inspect()).Config.Env ?? [];
    const entry = env.findLast((e) => e.startsWith('GOFER_OUTPUT='));
    return entry === undefined ? ROOT_OUTPUT_FILE : entry.slice('GOFER_OUTPUT='.length);
  }

  /** Removes the workspace's volume; a volume a kept container still uses stays, with a warning. */
  async removeWorkspace(req: WorkspaceRef): Promise<void> {
    await this.workspaces.remove(req);
  }

  /** The engine answers a ping; ERR_SCHEDULER_UNAVAILABLE (with the engine's address and the fix) otherwise. */
  async checkReady(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw translateEngineError(err, { engine: this.engine }, 'ping the engine');
    }
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) {
      session.stop();
      session.log.release();
    }
    this.sessions.clear();
  }

  /** Drops the session, the record and (when `removeContainer`) the container itself. */
  private async forget(name: string, removeContainer: boolean): Promise<void> {
    const session = this.sessions.get(name);
    if (session) {
      session.stop();
      session.log.release();
      this.sessions.delete(name);
    }
    this.secretValues.delete(name);
    this.outputFiles.delete(name);
    if (removeContainer) {
      try {
        await this.docker.getContainer(name).remove({ force: true, v: true });
      } catch (err) {
        if (!isNotFound(err) && !isNoOp(err)) throw translateEngineError(err, { engine: this.engine, schedulerId: name }, `remove container ${name}`);
      }
    }
    await this.records.delete(name);
  }

  private async markCancelled(name: string, cancelled: boolean): Promise<void> {
    const record = await this.records.get(name);
    await this.records.put({ ...(record ?? { name, image: '', startedAt: Date.now() }), cancelled });
  }

  /** Resolves true once the container stopped, false when `timeoutMs` passed first. */
  private async waitUntilStopped(container: Docker.Container, timeoutMs: number): Promise<boolean> {
    const abort = new AbortController();
    const timer = Number.isFinite(timeoutMs) ? setTimeout(() => abort.abort(), timeoutMs) : undefined;
    try {
      await container.wait({ abortSignal: abort.signal });
      return true;
    } catch (err) {
      if (abort.signal.aborted) return false;
      if (isNotFound(err)) return true;
      throw translateEngineError(err, { engine: this.engine, schedulerId: container.id }, `wait for container ${container.id}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Translates a log iterable's failures; read to its end, the attach buffer it came from is released. */
  private tracked(name: string, source: AsyncIterable<LogChunk>, session?: AttachSession): AsyncIterable<LogChunk> {
    return {
      [Symbol.asyncIterator]: async function* (this: DockerScheduler) {
        try {
          yield* source;
        } catch (err) {
          throw translateEngineError(err, { engine: this.engine, schedulerId: name }, `read logs of ${name}`);
        }
        if (session) this.dropIdleSession(name, session);
      }.bind(this),
    };
  }

  private dropIdleSession(name: string, session: AttachSession): void {
    if (this.sessions.get(name) === session && session.log.idle) {
      session.log.release();
      this.sessions.delete(name);
    }
  }
}
