/**
 * `ProcessScheduler implements Scheduler`: task commands as local processes (execa), the
 * zero-setup scheduler. Each task runs under a tiny detached `sh` wrapper that redirects its
 * output to files and records its exit code, so a restarted core can still report its state
 * and read its logs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type {
  ContainerRef,
  ContainerStatus,
  LogChunk,
  Logger,
  PluginContext,
  Scheduler,
  StartContainerRequest,
  StartContainerResponse,
  StopContainerRequest,
} from '@gofer/core/api';
import { GoferError, maskedLogs, resolveSecrets } from '@gofer/core/api';
import { executionNameFor, executionPaths, readOptional, wrapperAlive, type ExecutionMeta, type ExecutionPaths } from './execution-files.js';
import { tailFiles } from './file-tail.js';
import { withDefaults, type ProcessSchedulerSettings } from './settings.js';

/** Labels recorded for every execution, besides the core's own. */
export const MANAGED_LABELS = Object.freeze({ 'gofer.managed': 'true', 'gofer.scheduler': 'process' });

/**
 * The wrapper: `$1` is the execution directory, the rest is the task's argv. `setsid` puts the
 * task in its own process group (so stop signals reach it and its children, not the wrapper);
 * the inner shell records that group's pid, then `env` drops the PWD that sh adds (unless the
 * task asked for PWD) and execs the task with exactly the given environment.
 */
const WRAPPER = [
  'd=$1; shift',
  `setsid /bin/sh -c 'echo $$ >"$0/pid.tmp" && mv "$0/pid.tmp" "$0/pid" && exec "$@"' "$d" "$@" >"$d/stdout" 2>"$d/stderr" </dev/null`,
  'echo $? >"$d/exit.tmp" && mv "$d/exit.tmp" "$d/exit"',
].join('\n');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs task executions as local processes. See docs/schedulers.md for the settings. */
export class ProcessScheduler implements Scheduler {
  private readonly settings: ProcessSchedulerSettings;
  private readonly logger: Logger;
  private readonly root: string;
  private warnedAboutImage = false;
  /** Secret values this instance resolved per execution, masked in its logs. */
  private readonly secretValues = new Map<string, string[]>();
  /** Aborted by close(): live log tails stop polling so the host process can exit. */
  private readonly closing = new AbortController();

  constructor(ctx: Pick<PluginContext, 'logger' | 'dataDir'>, settings: Partial<ProcessSchedulerSettings> = {}) {
    this.settings = withDefaults(settings);
    this.logger = ctx.logger;
    this.root = join(ctx.dataDir, 'executions');
    for (const tool of ['/bin/sh', '/usr/bin/setsid', '/usr/bin/env']) {
      if (!existsSync(tool))
        throw new GoferError(
          'ERR_SCHEDULER_UNAVAILABLE',
          `The process scheduler needs ${tool} (a POSIX shell and util-linux's setsid); it is missing on this machine.`,
        );
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
    const env = { ...req.variables, ...secretEnv };
    const name = executionNameFor(req.id);
    const paths = executionPaths(this.root, name);
    await this.discard(name, paths);
    await mkdir(paths.dir, { recursive: true });
    const envCommand = 'PWD' in env ? ['/usr/bin/env', '--'] : ['/usr/bin/env', '-u', 'PWD', '--'];
    const cwd = this.settings.cwd ?? process.cwd();
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
    let spawnError: unknown;
    void wrapper.then((result) => {
      if (result.failed && result.exitCode === undefined) spawnError = result;
    });
    if (wrapper.pid === undefined) {
      const cause = await wrapper;
      throw new GoferError(
        'ERR_SCHEDULER_UNAVAILABLE',
        `Could not start task ${req.id} with /bin/sh in ${cwd}: ${cause.originalMessage ?? cause.shortMessage}. Check the process scheduler's "cwd" setting.`,
        { cause },
      );
    }
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
    await writeFile(paths.meta, JSON.stringify(meta));
    // Resolve once the task process exists (its group pid is recorded) or has already ended.
    const deadline = Date.now() + 10_000;
    while (!existsSync(paths.pid) && !existsSync(paths.exit)) {
      if (spawnError || !wrapperAlive(meta, paths.dir) || Date.now() > deadline) {
        if (existsSync(paths.pid) || existsSync(paths.exit)) break;
        throw new GoferError('ERR_INTERNAL', `The task process for ${req.id} did not start.`, { cause: spawnError });
      }
      await sleep(1);
    }
    return { schedulerId: name };
  }

  async stopContainer(req: StopContainerRequest): Promise<void> {
    const paths = await this.pathsOf(req.schedulerId);
    if ((await this.stateOf(paths)).state !== 'running') return;
    const timeoutMs = Number.isFinite(req.timeoutMs) && req.timeoutMs >= 0 ? req.timeoutMs : this.settings.stopTimeoutMs;
    await writeFile(paths.cancelled, String(Date.now()));
    await this.signalTask(paths, 'SIGTERM');
    if (await this.waitForEnd(paths, timeoutMs)) return;
    await this.signalTask(paths, 'SIGKILL');
    await this.waitForEnd(paths, Infinity);
  }

  /** Ends live log tails. Running tasks keep running: a new instance re-attaches to them. */
  async close(): Promise<void> {
    this.closing.abort();
  }

  async getState(req: ContainerRef): Promise<ContainerStatus> {
    return this.stateOf(await this.pathsOf(req.schedulerId));
  }

  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const paths = await this.pathsOf(req.schedulerId);
    const logs = tailFiles({ stdout: paths.stdout, stderr: paths.stderr }, async () => (await this.stateOf(paths)).state !== 'running', this.closing.signal);
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

  /** Kills a still-running execution of that name and deletes its directory. */
  private async discard(name: string, paths: ExecutionPaths): Promise<void> {
    if (!existsSync(paths.dir)) return;
    if ((await this.stateOf(paths)).state === 'running') {
      await this.signalTask(paths, 'SIGKILL');
      await this.waitForEnd(paths, 5_000);
    }
    await rm(paths.dir, { recursive: true, force: true });
    this.secretValues.delete(name);
    this.logger.debug('removed execution', { schedulerId: name });
  }

  private async pathsOf(schedulerId: string): Promise<ExecutionPaths> {
    const paths = executionPaths(this.root, executionNameFor(schedulerId));
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
    const ended = async (): Promise<ContainerStatus | undefined> => {
      const exit = await readOptional(paths.exit);
      if (exit === undefined) return undefined;
      return { state: existsSync(paths.cancelled) ? 'cancelled' : 'exited', exitCode: Number.parseInt(exit, 10) };
    };
    const first = await ended();
    if (first) return first;
    const meta = await this.metaOf(paths);
    if (meta && wrapperAlive(meta, paths.dir)) return { state: 'running' };
    // The wrapper writes the exit file before it exits: if it ended since the first look, the
    // file is there now. Only a wrapper gone without it (killed from outside, a machine restart)
    // is unknown.
    return (await ended()) ?? { state: existsSync(paths.cancelled) ? 'cancelled' : 'unknown' };
  }

  /**
   * Signals the task's whole process group (its session, made by setsid): the task and every
   * child it started get the graceful signal, and the kill leaves nothing behind. The wrapper
   * shell is outside that group, so it survives to record the exit code.
   */
  private async signalTask(paths: ExecutionPaths, signal: NodeJS.Signals): Promise<void> {
    const pid = Number.parseInt((await readOptional(paths.pid)) ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 1) return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Polls until the execution is no longer running; false when `timeoutMs` passed first. */
  private async waitForEnd(paths: ExecutionPaths, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let delayMs = 1;
    for (;;) {
      if ((await this.stateOf(paths)).state !== 'running') return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(delayMs, Math.max(1, deadline - Date.now())));
      delayMs = Math.min(delayMs * 2, 25);
    }
  }
}
