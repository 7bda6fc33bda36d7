/**
 * Runs an extension's command and keeps it running: a process that exits unexpectedly is
 * restarted after an exponential backoff (capped; reset once a process has stayed up a while).
 * Uses node:child_process: the core does not depend on execa (only plugins/ and extensions/ do).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GoferError, type Logger } from '../../api/index.js';
import { LineSplitter } from './line-splitter.js';

/** Restart timing. */
export interface BackoffOptions {
  /** Delay before the first restart; doubles per consecutive crash. Default 250. */
  initialMs: number;
  /** The longest delay. Default 30000. */
  maxMs: number;
  /** A process that ran this long before crashing restarts after `initialMs` again. Default 10000. */
  stableMs: number;
}

/** 250 ms doubling to 30 s; a process up for 10 s counts as healthy again. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, stableMs: 10_000 };

/** What happened when a process ended unexpectedly. */
export interface CrashInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** When it will be started again. */
  restartInMs: number;
}

/** Time as the supervisor sees it: how long a process ran, and the restart timer. */
export interface SupervisorClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

const systemClock: SupervisorClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The command to run and the callbacks the supervisor reports through. */
export interface SupervisorOptions {
  command: readonly string[];
  cwd: string;
  env: Record<string, string>;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  /** Default: the wall clock. Tests pass a fake one to drive restarts without waiting. */
  clock?: SupervisorClock;
  /** After `shutdown` and closing stdin, how long to wait before SIGTERM (then SIGKILL). Default 3000. */
  shutdownGraceMs?: number;
  /** Each stdout line. */
  onLine(line: string): void;
  /** After every start, including restarts (the first too). */
  onStart(restarted: boolean): void;
  /** After an unexpected exit, before the restart is scheduled. */
  onCrash(crash: CrashInfo): void;
}

/** `restarting`: crashed and waiting for its backoff; `stopped`: closed, never restarted. */
export type ProcessState = 'starting' | 'running' | 'restarting' | 'stopped';

/** One supervised child process (at a time) for one out-of-process extension. */
export class ProcessSupervisor {
  private child: ChildProcessWithoutNullStreams | undefined;
  private restartTimer: unknown;
  private consecutiveCrashes = 0;
  private startedAt = 0;
  private exited: Promise<void> = Promise.resolve();
  private readonly backoff: BackoffOptions;
  private readonly clock: SupervisorClock;
  state: ProcessState = 'starting';
  restarts = 0;
  lastExitCode: number | null | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = options.clock ?? systemClock;
  }

  get pid(): number | undefined {
    return this.state === 'running' ? this.child?.pid : undefined;
  }

  /** Starts the process; rejects when it cannot be spawned at all (missing executable). */
  async start(): Promise<void> {
    await this.spawnOnce(false);
  }

  /** Writes one line to stdin. False when no process is running (the line is dropped). */
  send(line: string): boolean {
    const child = this.child;
    if (this.state !== 'running' || !child || child.stdin.destroyed || !child.stdin.writable) return false;
    child.stdin.write(line);
    return true;
  }

  /** Asks the process to exit (a `shutdown` line, then stdin closed), then signals; no restart. */
  async stop(shutdownLine: string): Promise<void> {
    if (this.state === 'stopped') return this.exited;
    if (this.restartTimer !== undefined) this.clock.clearTimer(this.restartTimer);
    const running = this.state === 'running';
    this.state = 'stopped';
    const child = this.child;
    if (!child || !running) return;
    try {
      child.stdin.write(shutdownLine);
      child.stdin.end();
    } catch {
      // Already gone: the exit wait below returns at once.
    }
    const grace = this.options.shutdownGraceMs ?? 3_000;
    if (await this.exitsWithin(grace)) return;
    this.options.logger.warn('extension process ignored shutdown; sending SIGTERM', { pid: child.pid, graceMs: grace });
    child.kill('SIGTERM');
    if (await this.exitsWithin(2_000)) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return result;
  }

  private spawnOnce(restarted: boolean): Promise<void> {
    const [file, ...args] = this.options.command;
    this.state = 'starting';
    return new Promise<void>((resolve, reject) => {
      const child = spawn(file!, args, { cwd: this.options.cwd, env: { ...process.env, ...this.options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      this.child = child;
      let settled = false;
      let ended = false;
      let markExited!: () => void;
      this.exited = new Promise<void>((r) => (markExited = r));
      const stdout = new LineSplitter(
        (line) => this.options.onLine(line),
        (size) => this.options.logger.warn('extension wrote a line over 1 MiB; dropped', { size }),
      );
      const stderr = new LineSplitter(
        (line) => this.options.logger.info(`extension stderr: ${line}`),
        () => undefined,
        65_536,
      );
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => undefined); // EPIPE after a crash: the exit handler deals with it
      child.once('spawn', () => {
        settled = true;
        this.startedAt = this.clock.now();
        if (this.state === 'stopped') {
          child.kill('SIGTERM');
          resolve();
          return;
        }
        this.state = 'running';
        this.options.logger.debug('extension process started', { pid: child.pid, command: this.options.command });
        this.options.onStart(restarted);
        resolve();
      });
      const onEnd = (exitCode: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (ended) return;
        ended = true;
        markExited();
        this.lastExitCode = exitCode;
        if (!settled) {
          settled = true;
          const failure = new GoferError(
            'ERR_EXTENSION_UNAVAILABLE',
            `Could not start the extension command ${JSON.stringify(this.options.command)} in ${this.options.cwd}: ${error?.message ?? `exit ${exitCode}`}. Fix: check that the executable is installed and on PATH.`,
            { cause: error },
          );
          if (!restarted) {
            this.state = 'stopped';
            reject(failure);
            return;
          }
          this.options.logger.error('extension process could not be restarted', { error: failure.message });
        }
        if (this.state === 'stopped') return;
        this.crashed(exitCode, signal);
      };
      child.once('error', (err) => onEnd(null, null, err));
      child.once('close', (code, signal) => onEnd(code, signal));
    });
  }

  private crashed(exitCode: number | null, signal: NodeJS.Signals | null): void {
    const ranMs = this.clock.now() - this.startedAt;
    this.consecutiveCrashes = ranMs >= this.backoff.stableMs ? 1 : this.consecutiveCrashes + 1;
    const restartInMs = Math.min(this.backoff.initialMs * 2 ** (this.consecutiveCrashes - 1), this.backoff.maxMs);
    this.state = 'restarting';
    this.options.logger.error('extension process crashed; restarting', { exitCode, signal, ranMs, restartInMs });
    this.options.onCrash({ exitCode, signal, restartInMs });
    this.restartTimer = this.clock.setTimer(() => {
      if (this.state !== 'restarting') return;
      this.restarts += 1;
      void this.spawnOnce(true).catch(() => undefined);
    }, restartInMs);
  }
}
