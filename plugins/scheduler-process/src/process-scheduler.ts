/**
 * `ProcessScheduler implements Scheduler`: task commands as local processes (execa), the
 * zero-setup scheduler. Each task runs under a tiny detached `sh` wrapper that redirects its
 * output to files and records its exit code, so a restarted core can still report its state
 * and read its logs. `$GOFER_OUTPUT` is a file in the execution's directory; a run's workspace
 * is a directory of its own, the task's working directory.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type * as Execa from 'execa';
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
import { GoferError, maskedLogs, resolveSecrets } from '@gofer/core/api';
import {
  executionNameFor,
  executionPaths,
  readFileStart,
  readOptional,
  readSmallFile,
  wrapperAlive,
  type ExecutionMeta,
  type ExecutionPaths,
} from './execution-files.js';
import { tailFiles } from './file-tail.js';
import { Latch, pause } from './latch.js';
import { withDefaults, type ProcessSchedulerSettings } from './settings.js';
import { Workspaces } from './workspaces.js';

/**
 * execa is about 110 modules (90 ms to load): imported at the first task a process starts, not
 * when the service starts, which may run no task for a long while.
 */
let execaModule: Promise<typeof Execa> | undefined;
const loadExeca = (): Promise<typeof Execa> => (execaModule ??= import('execa'));

/** Labels recorded for every execution, besides the core's own. */
export const MANAGED_LABELS = Object.freeze({ 'gofer.managed': 'true', 'gofer.scheduler': 'process' });

/**
 * The wrapper: `$1` is the execution directory, the rest is the task's argv. It is spawned
 * detached, so it leads a session and process group of its own, which the task and its children
 * join: stop signals go to the whole group, and a Ctrl-C in the host's terminal reaches none of
 * it. The wrapper catches the graceful signals (a caught signal is reset to its default in the
 * task it execs, unlike an ignored one), so it survives them and records the task's exit code;
 * a SIGKILL of the group ends it too, and stopContainer records that exit code itself.
 * `unset PWD` drops the PWD that sh exports, so the task gets exactly the given environment, plus
 * the scheduler's `GOFER_OUTPUT` (and `GOFER_WORKSPACE`) (a task that asks for PWD gets it
 * through `env`). One shell per task and no other process: each
 * extra exec (setsid, a second shell, mv) cost more than a millisecond a step.
 */
const WRAPPER = ['d=$1; shift', 'trap : TERM INT HUP QUIT', 'unset PWD', '"$@" >"$d/stdout" 2>"$d/stderr" </dev/null', 'echo $? >"$d/exit"'].join('\n');

/** What a shell reports for a process ended by SIGKILL (128 + 9). */
const KILLED_EXIT_CODE = 137;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs task executions as local processes. See docs/schedulers.md for the settings. */
export class ProcessScheduler implements Scheduler {
  private readonly settings: ProcessSchedulerSettings;
  private readonly logger: Logger;
  private readonly root: string;
  private readonly workspaces: Workspaces;
  private warnedAboutImage = false;
  /** Secret values this instance resolved per execution, masked in its logs. */
  private readonly secretValues = new Map<string, string[]>();
  /** Set by close(): live log tails stop polling so the host process can exit. */
  private readonly closing = new Latch();
  /**
   * Executions this instance started whose wrapper is still alive, each with the latch its exit
   * sets: their end is known from the child's exit event, with no file polled. Executions of an
   * earlier instance (after a restart) are followed through their files.
   */
  private readonly live = new Map<string, Latch>();

  constructor(ctx: Pick<PluginContext, 'logger' | 'dataDir'>, settings: Partial<ProcessSchedulerSettings> = {}) {
    this.settings = withDefaults(settings);
    this.logger = ctx.logger;
    // Absolute: a task's working directory may be anywhere, and its $GOFER_OUTPUT must still hold.
    this.root = resolve(ctx.dataDir, 'executions');
    this.workspaces = new Workspaces(resolve(ctx.dataDir));
    for (const tool of ['/bin/sh', '/usr/bin/env']) {
      if (!existsSync(tool))
        throw new GoferError('ERR_SCHEDULER_UNAVAILABLE', `The process scheduler needs ${tool} (a POSIX shell and env); it is missing on this machine.`);
    }
  }

  async startContainer(req: StartContainerRequest): Promise<StartContainerResponse> {
    const argv = [...(req.entrypoint ?? []), ...(req.command ?? [])];
    if (argv.length === 0) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Task ${req.id} has neither entrypoint nor command; the process scheduler has no image defaults to fall back on.`,
        { details: { id: req.id } },
      );
    }
    if (!this.warnedAboutImage) {
      this.warnedAboutImage = true;
      this.logger.warn('the process scheduler runs task commands on this machine; task images are recorded but not used', { image: req.image });
    }
    const secretEnv = await resolveSecrets(req.secrets, this.settings.secrets);
    const name = executionNameFor(req.id);
    const paths = executionPaths(this.root, name);
    // The scheduler's own variables win over the task's: they are where the core looks.
    const env: Record<string, string> = { ...req.variables, ...secretEnv, GOFER_OUTPUT: paths.output };
    // No mount for a process: the workspace is a directory of the plugin's, and the task's cwd.
    const workspace = req.workspace ? this.workspaces.ensure(req.workspace) : undefined;
    if (workspace) env.GOFER_WORKSPACE = workspace;
    await this.discard(name, paths);
    // The few small files of an execution are written synchronously: each is a single syscall on
    // the data directory, cheaper than a round trip through libuv's thread pool on every step.
    mkdirSync(paths.dir, { recursive: true });
    const envCommand = 'PWD' in env ? ['/usr/bin/env', `PWD=${env.PWD}`, '--'] : [];
    const cwd = workspace ?? this.settings.cwd ?? process.cwd();
    const { execa } = await loadExeca();
    const wrapper = execa('/bin/sh', ['-c', WRAPPER, 'gofer-task', paths.dir, ...envCommand, ...argv], {
      env,
      extendEnv: false,
      detached: true,
      stdio: 'ignore',
      cleanup: false,
      reject: false,
      cwd,
    });
    wrapper.unref();
    if (wrapper.pid === undefined) {
      const cause = await wrapper;
      throw new GoferError(
        'ERR_SCHEDULER_UNAVAILABLE',
        `Could not start task ${req.id} with /bin/sh in ${cwd}: ${cause.originalMessage ?? cause.shortMessage}. Check the process scheduler's "cwd" setting.`,
        { cause },
      );
    }
    const ended = new Latch();
    this.live.set(name, ended);
    // The wrapper writes the exit file before it exits, so once this fires the files tell the end.
    void wrapper.finally(() => {
      if (this.live.get(name) === ended) this.live.delete(name);
      ended.set();
    });
    const meta: ExecutionMeta = {
      id: req.id,
      image: req.image,
      argv,
      wrapperPid: wrapper.pid,
      startedAt: Date.now(),
      labels: { ...req.labels, ...MANAGED_LABELS },
      secrets: req.secrets,
    };
    this.secretValues.set(name, Object.values(secretEnv));
    writeFileSync(paths.meta, JSON.stringify(meta));
    return { schedulerId: name };
  }

  async stopContainer(req: StopContainerRequest): Promise<void> {
    const paths = await this.pathsOf(req.schedulerId);
    if ((await this.stateOf(paths)).state !== 'running') return;
    const timeoutMs = Number.isFinite(req.timeoutMs) && req.timeoutMs >= 0 ? req.timeoutMs : this.settings.stopTimeoutMs;
    await writeFile(paths.cancelled, String(Date.now()));
    await this.signalTask(paths, 'SIGTERM');
    if (await this.waitForEnd(paths, timeoutMs)) return;
    // The kill ends the wrapper too, so the exit code is recorded first (unless the task just
    // ended and the wrapper wrote its own).
    await writeFile(paths.exit, `${KILLED_EXIT_CODE}\n`, { flag: 'wx' }).catch(() => undefined);
    await this.signalTask(paths, 'SIGKILL');
    await this.waitForEnd(paths, Infinity);
  }

  /** Ends live log tails. Running tasks keep running: a new instance re-attaches to them. */
  async close(): Promise<void> {
    this.closing.set();
  }

  async getState(req: ContainerRef): Promise<ContainerStatus> {
    return this.stateOf(await this.pathsOf(req.schedulerId));
  }

  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const paths = await this.pathsOf(req.schedulerId);
    // stateOf answers a live execution from memory, so asking it on each poll costs no file read.
    const finished = async () => (await this.stateOf(paths)).state !== 'running';
    const logs = tailFiles({ stdout: paths.stdout, stderr: paths.stderr }, finished, this.closing, this.live.get(req.schedulerId));
    return maskedLogs(logs, await this.secretValuesOf(req.schedulerId, paths));
  }

  /**
   * The secret values of an execution, to mask in its logs. A new instance (after a restart)
   * resolves the recorded locations again from the secrets source; values are never stored.
   */
  private async secretValuesOf(name: string, paths: ExecutionPaths): Promise<string[]> {
    const known = this.secretValues.get(name);
    if (known) return known;
    const secrets = (await this.metaOf(paths))?.secrets ?? {};
    if (Object.keys(secrets).length === 0) return [];
    try {
      return Object.values(await resolveSecrets(secrets, this.settings.secrets));
    } catch (err) {
      this.logger.warn('cannot resolve the secrets of an execution again to mask them in its logs', { schedulerId: name, error: String(err) });
      return [];
    }
  }

  async listContainers(req: { labels: Record<string, string> }): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const found: Array<{ schedulerId: string; labels: Record<string, string> }> = [];
    for (const name of names) {
      const meta = await this.metaOf(executionPaths(this.root, name));
      if (meta && Object.entries(req.labels).every(([k, v]) => meta.labels[k] === v)) found.push({ schedulerId: name, labels: meta.labels });
    }
    return found;
  }

  async removeContainer(req: ContainerRef): Promise<void> {
    await this.discard(req.schedulerId, executionPaths(this.root, req.schedulerId));
  }

  /** The execution's `output` file, at most `maxBytes + 1` of it; it goes with removeContainer. */
  async readOutputs(req: ReadOutputsRequest): Promise<Uint8Array | undefined> {
    const paths = await this.pathsOf(req.schedulerId);
    const { bytes, notAFile } = await readFileStart(paths.output, req.maxBytes + 1);
    if (notAFile) this.logger.warn('the task replaced its $GOFER_OUTPUT file with something else: it has no outputs', { schedulerId: req.schedulerId });
    return bytes;
  }

  /** Deletes the workspace's directory (`rm -rf`); one that is already gone is fine. */
  async removeWorkspace(req: WorkspaceRef): Promise<void> {
    await this.workspaces.remove(req);
  }

  /** Kills a still-running execution of that name and deletes its directory. */
  private async discard(name: string, paths: ExecutionPaths): Promise<void> {
    if (!existsSync(paths.dir)) return;
    if ((await this.stateOf(paths)).state === 'running') {
      await this.signalTask(paths, 'SIGKILL');
      await this.waitForEnd(paths, 5_000);
    }
    rmSync(paths.dir, { recursive: true, force: true });
    this.secretValues.delete(name);
    this.logger.debug('removed execution', { schedulerId: name });
  }

  private async pathsOf(schedulerId: string): Promise<ExecutionPaths> {
    const paths = executionPaths(this.root, executionNameFor(schedulerId));
    // Started by this instance and not removed since (its secret values are kept until then): its files are there.
    if (this.secretValues.has(schedulerId)) return paths;
    if (executionNameFor(schedulerId) !== schedulerId || !(await this.metaOf(paths))) {
      throw new GoferError('ERR_NO_SUCH_CONTAINER', `The process scheduler has no execution ${schedulerId}.`, { details: { schedulerId } });
    }
    return paths;
  }

  private async metaOf(paths: ExecutionPaths): Promise<ExecutionMeta | undefined> {
    const text = await readOptional(paths.meta);
    return text ? (JSON.parse(text) as ExecutionMeta) : undefined;
  }

  private async stateOf(paths: ExecutionPaths): Promise<ContainerStatus> {
    if (this.live.has(basename(paths.dir))) return { state: 'running' };
    const ended = (): ContainerStatus | undefined => {
      // Empty while the wrapper is writing it: not ended yet (or, with the wrapper gone, unknown).
      const exit = readSmallFile(paths.exit);
      if (!exit) return undefined;
      return { state: existsSync(paths.cancelled) ? 'cancelled' : 'exited', exitCode: Number.parseInt(exit, 10) };
    };
    const first = ended();
    if (first) return first;
    const meta = await this.metaOf(paths);
    if (meta && wrapperAlive(meta, paths.dir)) return { state: 'running' };
    // The wrapper writes the exit file before it exits: if it ended since the first look, the
    // file is there now. Only a wrapper gone without it (killed from outside, a machine restart)
    // is unknown.
    return ended() ?? { state: existsSync(paths.cancelled) ? 'cancelled' : 'unknown' };
  }

  /**
   * Signals the execution's process group, led by the wrapper: the task and every child it
   * started get the signal, and a kill leaves nothing behind. Executions started by earlier
   * versions ran the task in a group of its own, recorded in a `pid` file.
   */
  private async signalTask(paths: ExecutionPaths, signal: NodeJS.Signals): Promise<void> {
    const recorded = Number.parseInt((await readOptional(paths.pid)) ?? '', 10);
    const group = Number.isInteger(recorded) ? recorded : (await this.metaOf(paths))?.wrapperPid;
    if (group === undefined || group <= 1) return;
    try {
      process.kill(-group, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Waits until the execution is no longer running; false when `timeoutMs` passed first. */
  private async waitForEnd(paths: ExecutionPaths, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const ended = this.live.get(basename(paths.dir));
    if (ended) {
      // A timer takes at most 2^31-1 ms: an infinite wait is a series of them.
      while (!ended.isSet && Date.now() < deadline) await pause(Math.min(deadline - Date.now(), 2 ** 31 - 1), ended);
      return ended.isSet;
    }
    let delayMs = 1;
    for (;;) {
      if ((await this.stateOf(paths)).state !== 'running') return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(delayMs, Math.max(1, deadline - Date.now())));
      delayMs = Math.min(delayMs * 2, 25);
    }
  }
}
