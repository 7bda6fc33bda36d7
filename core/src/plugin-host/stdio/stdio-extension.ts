/**
 * An Extension whose work happens in another process (any language), reached over the stdio
 * protocol (protocol.ts). Keeps the set of active subscriptions so a restarted process gets
 * them all again; answers `startRun` lines with `runStarted` or `error`.
 */
import { GoferError, isGoferError, type Extension, type ExtensionContext, type Subscription } from '../../api/index.js';
import { encodeHostMessage, parseExtensionLine, STDIO_PROTOCOL_VERSION, type ExtensionMessage } from './protocol.js';
import { ProcessSupervisor, type BackoffOptions, type CrashInfo, type ProcessState, type SupervisorClock } from './process-supervisor.js';

/** Host-side tunables of an out-of-process extension. */
export interface StdioExtensionOptions {
  /** How long a `subscribe` waits for `subscribed`/`subscribeFailed`. Default 10000. */
  subscribeTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  shutdownGraceMs?: number;
  /** The restart clock (default: the wall clock). */
  clock?: SupervisorClock;
}

interface PendingSubscribe {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** The state of an out-of-process extension, for `extensions.list()`. */
export interface StdioProcessStatus {
  state: ProcessState;
  pid?: number;
  restarts: number;
  lastExitCode?: number | null;
}

/** Made by the stdio definition's `create`; the host also reads its status and crash reports. */
export class StdioExtension implements Extension {
  private readonly supervisor: ProcessSupervisor;
  /** Subscriptions the process should have: re-sent after every restart. */
  private readonly active = new Map<string, Subscription>();
  private readonly pending = new Map<string, PendingSubscribe>();
  private readonly crashListeners = new Set<(crash: CrashInfo) => void>();
  private readonly refusalListeners = new Set<(subscriptionId: string, reason: string) => void>();
  private readonly subscribeTimeoutMs: number;

  constructor(
    private readonly ctx: ExtensionContext,
    command: readonly string[],
    cwd: string,
    settings: Record<string, unknown>,
    options: StdioExtensionOptions = {},
  ) {
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? 10_000;
    this.supervisor = new ProcessSupervisor({
      command,
      cwd,
      logger: ctx.logger,
      backoff: options.backoff,
      ...(options.clock ? { clock: options.clock } : {}),
      shutdownGraceMs: options.shutdownGraceMs,
      env: {
        GOFER_PROTOCOL_VERSION: String(STDIO_PROTOCOL_VERSION),
        GOFER_EXTENSION_NAME: ctx.name,
        GOFER_EXTENSION_SETTINGS: JSON.stringify(settings),
        GOFER_EXTENSION_DATA_DIR: ctx.dataDir,
      },
      onLine: (line) => this.onLine(line),
      onStart: (restarted) => {
        if (!restarted) return;
        for (const sub of this.active.values()) this.send({ type: 'subscribe', ...sub });
      },
      onCrash: (crash) => {
        for (const listener of this.crashListeners) listener(crash);
      },
    });
  }

  /** Starts the process (called by `create`). */
  start(): Promise<void> {
    return this.supervisor.start();
  }

  /** Sends `subscribe` and waits for the extension's answer (across a restart, if one happens). */
  subscribe(sub: Subscription): Promise<void> {
    if (this.supervisor.state === 'stopped') return Promise.reject(new GoferError('ERR_EXTENSION_UNAVAILABLE', `Extension "${this.ctx.name}" is closed.`));
    this.pending.get(sub.subscriptionId)?.reject(new GoferError('ERR_CONFLICT', 'Superseded by a newer subscribe of the same subscription.'));
    this.active.set(sub.subscriptionId, sub);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(sub.subscriptionId);
        this.active.delete(sub.subscriptionId);
        this.send({ type: 'unsubscribe', subscriptionId: sub.subscriptionId });
        reject(
          new GoferError(
            'ERR_EXTENSION_UNAVAILABLE',
            `Extension "${this.ctx.name}" did not answer "subscribe" within ${this.subscribeTimeoutMs} ms. Fix: the extension must reply {"type":"subscribed","subscriptionId":...} or {"type":"subscribeFailed",...} on stdout, one JSON object per line, and flush.`,
          ),
        );
      }, this.subscribeTimeoutMs);
      this.pending.set(sub.subscriptionId, { resolve, reject, timer });
      this.send({ type: 'subscribe', ...sub });
    });
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    const pending = this.pending.get(sub.subscriptionId);
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(sub.subscriptionId);
      pending.reject(new GoferError('ERR_CONFLICT', 'Unsubscribed before the extension answered.'));
    }
    this.active.delete(sub.subscriptionId);
    this.send({ type: 'unsubscribe', subscriptionId: sub.subscriptionId });
  }

  async close(): Promise<void> {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new GoferError('ERR_EXTENSION_UNAVAILABLE', `Extension "${this.ctx.name}" closed before answering subscribe of ${id}.`));
    }
    this.pending.clear();
    await this.supervisor.stop(encodeHostMessage({ type: 'shutdown' }));
  }

  /** Calls `listener` after each crash (the host publishes `extension.crashed`). */
  onCrash(listener: (crash: CrashInfo) => void): () => void {
    this.crashListeners.add(listener);
    return () => this.crashListeners.delete(listener);
  }

  /** Calls `listener` when the process refuses a subscription it is re-sent after a restart. */
  onRefusal(listener: (subscriptionId: string, reason: string) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  status(): StdioProcessStatus {
    const { state, pid, restarts, lastExitCode } = this.supervisor;
    return { state, restarts, ...(pid === undefined ? {} : { pid }), ...(lastExitCode === undefined ? {} : { lastExitCode }) };
  }

  private send(message: Parameters<typeof encodeHostMessage>[0]): void {
    if (!this.supervisor.send(encodeHostMessage(message))) {
      this.ctx.logger.debug('extension process not running; message not sent', { type: message.type });
    }
  }

  private onLine(line: string): void {
    const parsed = parseExtensionLine(line);
    if (!parsed.ok) {
      this.ctx.logger.warn('extension wrote a line that is not a protocol message; ignored', { problem: parsed.problem, line: line.slice(0, 200) });
      return;
    }
    this.handle(parsed.message);
  }

  private handle(message: ExtensionMessage): void {
    switch (message.type) {
      case 'log':
        this.ctx.logger[message.level](message.message, message.fields);
        return;
      case 'subscribed':
      case 'subscribeFailed': {
        const pending = this.pending.get(message.subscriptionId);
        if (message.type === 'subscribeFailed') this.active.delete(message.subscriptionId);
        if (!pending) {
          if (message.type === 'subscribeFailed' && this.refusalListeners.size > 0) {
            for (const listener of this.refusalListeners) listener(message.subscriptionId, message.reason);
          }
          return;
        }
        clearTimeout(pending.timer);
        this.pending.delete(message.subscriptionId);
        if (message.type === 'subscribed') pending.resolve();
        else pending.reject(new GoferError('ERR_INVALID_ARGUMENT', message.reason || 'The extension refused the subscription.'));
        return;
      }
      case 'startRun':
        void this.startRun(message);
        return;
    }
  }

  private async startRun(message: Extract<ExtensionMessage, { type: 'startRun' }>): Promise<void> {
    const { requestId, subscriptionId, eventId } = message;
    try {
      const run = await this.ctx.startRun({ subscriptionId, variables: message.variables ?? {}, reason: message.reason, ...(eventId ? { eventId } : {}) });
      this.send({
        type: 'runStarted',
        ...(requestId ? { requestId } : {}),
        subscriptionId,
        pipelineId: run.pipelineId,
        runId: run.runId,
        ...(eventId ? { eventId } : {}),
      });
    } catch (err) {
      const code = isGoferError(err) ? err.code : 'ERR_INTERNAL';
      this.ctx.logger.warn('extension asked for a run that could not start', { subscriptionId, code, error: (err as Error).message });
      this.send({ type: 'error', ...(requestId ? { requestId } : {}), code, message: (err as Error).message });
    }
  }
}
