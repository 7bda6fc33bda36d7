/**
 * One run being executed: lives in the run's child container (RUN_ID, RUN_PIPELINE_ID,
 * RUN_SIGNAL) and drives the run's DAG to completion. Every state change is written to the
 * run store before the scheduler is asked to act, so a new process can pick the run up.
 *
 * RUN_SIGNAL aborts when Gofer closes: the execution then detaches (stops reading logs and
 * writing state) and leaves containers running; recovery (run-recovery.ts) re-attaches them on
 * the next start.
 */
import {
  isGoferError,
  type Clock,
  type GoferConfig,
  type Logger,
  type PipelineConfig,
  type Scheduler,
  type TaskConfig,
  type TaskExecutionReason,
  type TaskExecutionStatus,
} from '../api/index.js';
import { containerLabels, containerRequestId } from '../containers/container-labels.js';
import { INSTANCE_ID } from '../containers/instance-id.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK, CONFIG, LOGGER } from '../kernel/tokens.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { OBJECT_STORE, type ObjectStore } from '../objects/object-store.js';
import { PIPELINE_STORE, type PipelineStore } from '../pipelines/pipeline-store.js';
import { SCHEDULER } from '../plugin-host/registry.js';
import { SECRET_STORE, type SecretStore } from '../stores/secret-store.js';
import { storeLookup } from '../tasks/substitution.js';
import { ContainerRemovals, removalWanted } from '../tasks/container-cleanup.js';
import { TaskWatcher, type TaskOutcome } from '../tasks/task-watcher.js';
import {
  MissingSubstitutionError,
  mergeVariables,
  resolveVariables,
  secretValuesOf,
  withSchedulerSecrets,
  type SubstitutionLookup,
} from '../tasks/variables.js';
import { parentSatisfies, runOutcome } from './dag-rules.js';
import { resumeTask, type ResumableRun } from './run-recovery.js';
import { RUN_STORE, type RunStore } from './run-store.js';
import { RUN_TOKENS, type RunTokens } from './run-tokens.js';

/** The pipeline of the run a child container belongs to. */
export const RUN_PIPELINE_ID = token<string>('gofer.run.pipeline-id');
/** The id of the run a child container belongs to. */
export const RUN_ID = token<number>('gofer.run.id');
/** Aborted when the run must detach (Gofer is closing); one AbortController per run. */
export const RUN_SIGNAL = token<AbortSignal>('gofer.run.signal');

/** Drives one run's DAG; resolved in the run's child container. */
@injectable(
  RUN_PIPELINE_ID,
  RUN_ID,
  RUN_SIGNAL,
  RUN_STORE,
  PIPELINE_STORE,
  SCHEDULER,
  EVENT_BUS,
  LOG_STORE,
  SECRET_STORE,
  OBJECT_STORE,
  RUN_TOKENS,
  CONFIG,
  LOGGER,
  INSTANCE_ID,
  CLOCK,
)
export class RunExecution implements ResumableRun {
  private config!: PipelineConfig;
  private runVariables: Record<string, string> = {};
  private readonly tasks = new Map<string, TaskConfig>();
  /** Final status of each completed task. */
  private readonly finished = new Map<string, TaskExecutionStatus>();
  /** Tasks handed to runTask/reattach (or completed without running). */
  private readonly handled = new Set<string>();
  private readonly watchers = new Map<string, TaskWatcher>();
  private cancelRequested = false;
  /** Why the run is cancelled, when the canceller said (a newer run of its concurrency group). */
  private cancelReason: string | undefined;
  /** startContainer calls in flight: on detach, wait for them so their scheduler ids are recorded. */
  private readonly starting = new Set<Promise<unknown>>();
  private readonly removals: ContainerRemovals;
  private apiToken: string | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  readonly log: Logger;
  private readonly lookup: SubstitutionLookup;

  constructor(
    readonly pipelineId: string,
    readonly runId: number,
    readonly signal: AbortSignal,
    private readonly store: RunStore,
    private readonly pipelines: PipelineStore,
    readonly scheduler: Scheduler,
    private readonly bus: EventBus,
    private readonly logs: LogStore,
    secrets: SecretStore,
    objects: ObjectStore,
    private readonly tokens: RunTokens,
    private readonly goferConfig: GoferConfig,
    logger: Logger,
    private readonly instanceId: string,
    private readonly clock: Clock,
  ) {
    this.log = logger.child({ pipeline: pipelineId, run: runId });
    this.removals = new ContainerRemovals(scheduler, this.log);
    this.lookup = storeLookup(secrets, objects, pipelineId, runId);
  }

  /** Runs (or resumes) the run until it completes, or until Gofer closes (detach). */
  async execute(): Promise<void> {
    const run = this.store.getRun(this.pipelineId, this.runId);
    this.config = this.pipelines.config(this.pipelineId, run.version);
    this.runVariables = run.variables;
    this.cancelRequested = run.cancelRequested;
    this.cancelReason = run.cancelReason;
    for (const task of this.config.tasks) this.tasks.set(task.id, task);
    const fresh = run.state === 'pending';
    if (fresh) {
      this.store.setRunRunning(this.pipelineId, this.runId);
      this.bus.publish('run.started', { pipelineId: this.pipelineId, runId: this.runId });
    }
    // A run that never ran has every task `processing` (or all cancelled, which cancel() wrote
    // together with the run's completion): only a resumed run needs its task rows read back, and
    // a rerun, whose carried-over tasks were written `complete` with it.
    const rows = fresh && !run.initiator.rerunOf ? [] : this.store.tasks(this.pipelineId, this.runId);
    for (const row of rows) {
      if (row.state === 'complete') {
        this.finished.set(row.taskId, row.status);
        this.handled.add(row.taskId);
      }
    }
    for (const row of rows) resumeTask(this, row);
    this.schedule();
    this.checkDone();
    let onAbort!: () => void;
    const detached = new Promise<void>((resolve) => {
      onAbort = resolve;
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.done, detached]);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
    if (this.signal.aborted && this.finished.size < this.tasks.size) {
      await Promise.allSettled([...this.starting]);
      await this.removals.settled();
      return;
    }
    // The run ends once its containers are gone (as removeAfterExit says): whoever waits for it may count on that.
    await this.removals.settled();
    this.finish();
  }

  /**
   * Stops running containers and cancels tasks that have not started. A run whose tasks have all
   * ended (it is only removing containers) has nothing to cancel: it keeps its status.
   */
  cancel(why?: string): void {
    if (this.cancelRequested || (this.tasks.size > 0 && this.finished.size >= this.tasks.size)) return;
    this.cancelRequested = true;
    this.store.requestCancel(this.pipelineId, this.runId);
    if (why !== undefined) {
      this.cancelReason = why;
      this.store.setCancelReason(this.pipelineId, this.runId, why);
    }
    this.bus.publish('run.cancel_requested', { pipelineId: this.pipelineId, runId: this.runId });
    for (const watcher of this.watchers.values()) watcher.stop('cancel');
    this.schedule();
    this.checkDone();
  }

  /** Starts, skips or cancels every task whose parents are all complete. */
  private schedule(): void {
    for (const task of this.tasks.values()) {
      if (this.handled.has(task.id)) continue;
      const parents = Object.entries(task.dependsOn ?? {});
      if (!parents.every(([parent]) => this.finished.has(parent))) continue;
      this.handled.add(task.id);
      if (this.cancelRequested) {
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: 'the run was cancelled before the task started' });
        continue;
      }
      const unmet = parents.find(([parent, required]) => !parentSatisfies(required, this.finished.get(parent)!));
      if (unmet) {
        const [parent, required] = unmet;
        this.complete(task.id, 'skipped', {
          reason: 'failed_precondition',
          description: `parent "${parent}" ended ${this.finished.get(parent)}, but this task requires ${required}`,
        });
        continue;
      }
      void this.runTask(task);
    }
  }

  /** Starts one task: variables, substitutions, the durable record, then the scheduler. */
  async runTask(task: TaskConfig): Promise<void> {
    try {
      const merged = mergeVariables({
        pipelineId: this.pipelineId,
        runId: this.runId,
        task,
        runVariables: this.runVariables,
        ...(task.injectApiToken ? { apiToken: (this.apiToken ??= this.tokens.issue(this.pipelineId, this.runId)) } : {}),
      });
      let resolved;
      try {
        resolved = resolveVariables(merged, this.lookup);
      } catch (err) {
        if (err instanceof MissingSubstitutionError || isGoferError(err)) {
          this.complete(task.id, 'failed', { reason: 'failed_precondition', description: (err as Error).message });
          return;
        }
        throw err;
      }
      if (this.signal.aborted) return;
      this.store.taskStarting(this.pipelineId, this.runId, task.id, withSchedulerSecrets(resolved.stored, task.secrets ?? {}));
      // Recovery relies on this record: make it durable before the scheduler acts.
      await this.store.durable();
      if (this.signal.aborted) return;
      if (this.cancelRequested) {
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: 'the run was cancelled before the task started' });
        return;
      }
      let schedulerId: string;
      let secretEnv: Record<string, string> | undefined;
      try {
        const start = this.scheduler.startContainer({
          id: containerRequestId(this.pipelineId, this.runId, task.id),
          image: task.image,
          variables: resolved.env,
          secrets: task.secrets ?? {},
          labels: this.labels(task.id),
          ...(task.registryAuth ? { registryAuth: task.registryAuth } : {}),
          ...(task.alwaysPull ? { alwaysPull: true } : {}),
          ...(task.entrypoint ? { entrypoint: task.entrypoint } : {}),
          ...(task.command ? { command: task.command } : {}),
        });
        this.starting.add(start);
        try {
          ({ schedulerId, secretEnv } = await start);
        } finally {
          this.starting.delete(start);
        }
      } catch (err) {
        if (this.signal.aborted) return;
        const code = isGoferError(err) ? `${err.code}: ` : '';
        this.complete(task.id, 'failed', {
          reason: 'scheduler_error',
          description: `the scheduler could not start the container: ${code}${(err as Error).message}`,
        });
        return;
      }
      // Recorded even when Gofer is closing: the next start re-attaches by this id.
      const started = this.clock.now();
      this.store.taskRunning(this.pipelineId, this.runId, task.id, schedulerId, started);
      // The scheduler said which keys carry the secrets in the container: list those instead.
      if (secretEnv) this.store.taskVariables(this.pipelineId, this.runId, task.id, withSchedulerSecrets(resolved.stored, secretEnv));
      this.bus.publish('task.started', { pipelineId: this.pipelineId, runId: this.runId, taskId: task.id, schedulerId });
      if (this.signal.aborted) return;
      await this.watch(task, schedulerId, started, resolved.secretValues, false);
    } catch (err) {
      if (this.signal.aborted) return;
      this.log.error('task failed unexpectedly', { task: task.id, error: (err as Error).message });
      if (!this.finished.has(task.id))
        this.complete(task.id, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${(err as Error).message}` });
    }
  }

  /** Follows a started container to its end and completes the task with its outcome. */
  async watch(task: TaskConfig, schedulerId: string, startedAt: number | undefined, secretValues: string[], reattach: boolean): Promise<void> {
    const watcher = new TaskWatcher({
      scheduler: this.scheduler,
      schedulerId,
      signal: this.signal,
      stopTimeoutMs: this.goferConfig.stopTimeoutMs,
      timeoutMs: task.timeoutMs ?? 0,
      startedAt: startedAt ?? this.clock.now(),
      clock: this.clock,
      openWriter: () => this.logs.writer(this.pipelineId, this.runId, task.id, true),
      secretValues,
      reattach,
      logger: this.log.child({ task: task.id }),
    });
    this.watchers.set(task.id, watcher);
    if (this.cancelRequested) watcher.stop('cancel');
    let outcome: TaskOutcome | undefined;
    try {
      outcome = await watcher.run();
    } finally {
      this.watchers.delete(task.id);
    }
    if (!outcome || this.signal.aborted) return;
    this.complete(task.id, outcome.status, outcome.reason, outcome.exitCode);
    this.removeContainer(task, schedulerId, outcome);
  }

  /**
   * The task's final state is recorded and its output is in the log file: the container has
   * nothing more to give, so it goes as removeAfterExit says, once the completion is durable.
   */
  private removeContainer(task: TaskConfig, schedulerId: string, outcome: TaskOutcome): void {
    if (!removalWanted(task.removeAfterExit ?? this.goferConfig.removeAfterExit, outcome.status)) return;
    if (!outcome.logsComplete) {
      this.log.warn('keeping the container: its output could not be read to the end', { task: task.id, schedulerId });
      return;
    }
    this.removals.remove(schedulerId, () => this.store.durable());
  }

  private complete(taskId: string, status: TaskExecutionStatus, reason?: { reason: TaskExecutionReason; description: string }, exitCode?: number): void {
    if (this.finished.has(taskId)) return;
    this.store.taskComplete(this.pipelineId, this.runId, taskId, status, reason, exitCode);
    this.finished.set(taskId, status);
    this.bus.publish('task.completed', {
      pipelineId: this.pipelineId,
      runId: this.runId,
      taskId,
      status,
      ...(reason ? { reason: reason.reason } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    });
    this.logs.touch(this.pipelineId, this.runId, taskId);
    this.schedule();
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finished.size >= this.tasks.size) this.resolveDone();
  }

  /** Computes and stores the run's final status; revokes its API token. */
  private finish(): void {
    const outcome = runOutcome(this.finished, this.cancelRequested);
    const { status } = outcome;
    const reason = status === 'cancelled' && this.cancelReason !== undefined ? { reason: 'cancelled', description: this.cancelReason } : outcome.reason;
    this.store.completeRun(this.pipelineId, this.runId, status, reason);
    if (this.apiToken !== undefined || this.config.tasks.some((t) => t.injectApiToken)) this.tokens.revokeRun(this.pipelineId, this.runId);
    this.bus.publish('run.completed', { pipelineId: this.pipelineId, runId: this.runId, status });
  }

  labels(taskId: string): Record<string, string> {
    return containerLabels(this.pipelineId, this.runId, taskId, this.instanceId);
  }

  /** Claims a task for recovery (the DAG will not start it again); undefined when the config has no such task. */
  claim(taskId: string): TaskConfig | undefined {
    const task = this.tasks.get(taskId);
    if (task) this.handled.add(taskId);
    return task;
  }

  /** Records that a container found after a restart is the task's, as if it had just been started. */
  adopt(taskId: string, schedulerId: string): number {
    const started = this.clock.now();
    this.store.taskRunning(this.pipelineId, this.runId, taskId, schedulerId, started);
    this.bus.publish('task.started', { pipelineId: this.pipelineId, runId: this.runId, taskId, schedulerId });
    return started;
  }

  /** Fails a task on an unexpected error, unless Gofer is closing or the task already ended. */
  failUnexpectedly(taskId: string, err: Error): void {
    if (!this.signal.aborted && !this.finished.has(taskId))
      this.complete(taskId, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${err.message}` });
  }

  /** The secret values to mask for a task resumed after a restart. */
  secretValuesFor(task: TaskConfig): string[] {
    return secretValuesOf(mergeVariables({ pipelineId: this.pipelineId, runId: this.runId, task, runVariables: this.runVariables }), this.lookup);
  }
}

/** A new execution per resolve, made in the run's child container (see RUN_SCOPES). */
export const RUN_EXECUTION = token<RunExecution>('gofer.run.execution');
