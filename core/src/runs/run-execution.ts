/**
 * One run being executed: lives in the run's child container (RUN_ID, RUN_PIPELINE_ID,
 * RUN_SIGNAL) and drives the run's DAG to completion. Every state change is written to the
 * run store before the scheduler is asked to act, so a new process can pick the run up.
 *
 * RUN_SIGNAL aborts when Gofer closes: the execution then detaches (stops reading logs and
 * writing state) and leaves containers running; recovery re-attaches them on the next start.
 */
import { inject, injectable } from 'tsyringe';
import {
  isGoferError,
  type GoferConfig,
  type Logger,
  type PipelineConfig,
  type Scheduler,
  type TaskConfig,
  type TaskExecutionReason,
  type TaskExecutionStatus,
} from '../api/index.js';
import type { EventBus } from '../events/event-bus.js';
import type { PipelineStore } from '../pipelines/pipeline-store.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { SecretStore } from '../stores/secret-store.js';
import {
  CONFIG, EVENT_BUS, LOG_STORE, LOGGER, OBJECT_STORE, PIPELINE_STORE, RUN_ID, RUN_PIPELINE_ID, RUN_SIGNAL, RUN_STORE, RUN_TOKENS,
  SCHEDULER, SECRET_STORE, INSTANCE_ID,
} from '../kernel/tokens.js';
import type { LogStore } from './log-store.js';
import type { RunStore, StoredTask } from './run-store.js';
import type { RunTokens } from './run-tokens.js';
import { INSTANCE_LABEL } from './orphan-reaper.js';
import { containerRequestId, parentSatisfies, runOutcome } from './dag-rules.js';
import { TaskWatcher, type TaskOutcome } from './task-watcher.js';
import { MissingSubstitutionError, mergeVariables, resolveVariables, secretValuesOf, type SubstitutionLookup } from './variables.js';

/** Drives one run's DAG; resolved in the run's child container. */
@injectable()
export class RunExecution {
  private config!: PipelineConfig;
  private runVariables: Record<string, string> = {};
  private readonly tasks = new Map<string, TaskConfig>();
  /** Final status of each completed task. */
  private readonly finished = new Map<string, TaskExecutionStatus>();
  /** Tasks handed to runTask/reattach (or completed without running). */
  private readonly handled = new Set<string>();
  private readonly watchers = new Map<string, TaskWatcher>();
  private cancelRequested = false;
  /** startContainer calls in flight: on detach, wait for them so their scheduler ids are recorded. */
  private readonly starting = new Set<Promise<unknown>>();
  private apiToken: string | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  private readonly log: Logger;

  constructor(
    @inject(RUN_PIPELINE_ID) private readonly pipelineId: string,
    @inject(RUN_ID) private readonly runId: number,
    @inject(RUN_SIGNAL) private readonly signal: AbortSignal,
    @inject(RUN_STORE) private readonly store: RunStore,
    @inject(PIPELINE_STORE) private readonly pipelines: PipelineStore,
    @inject(SCHEDULER) private readonly scheduler: Scheduler,
    @inject(EVENT_BUS) private readonly bus: EventBus,
    @inject(LOG_STORE) private readonly logs: LogStore,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @inject(RUN_TOKENS) private readonly tokens: RunTokens,
    @inject(CONFIG) private readonly goferConfig: GoferConfig,
    @inject(LOGGER) logger: Logger,
    @inject(INSTANCE_ID) private readonly instanceId: string,
  ) {
    this.log = logger.child({ pipeline: pipelineId, run: runId });
  }

  /** Runs (or resumes) the run until it completes, or until Gofer closes (detach). */
  async execute(): Promise<void> {
    const run = this.store.getRun(this.pipelineId, this.runId);
    this.config = this.pipelines.config(this.pipelineId, run.version);
    this.runVariables = run.variables;
    this.cancelRequested = run.cancelRequested;
    for (const task of this.config.tasks) this.tasks.set(task.id, task);
    const fresh = run.state === 'pending';
    if (fresh) {
      this.store.setRunRunning(this.pipelineId, this.runId);
      this.bus.publish('run.started', { pipelineId: this.pipelineId, runId: this.runId });
    }
    // A run that never ran has every task `processing` (or all cancelled, which cancel() wrote
    // together with the run's completion): only a resumed run needs its task rows read back.
    const rows = fresh ? [] : this.store.tasks(this.pipelineId, this.runId);
    for (const row of rows) {
      if (row.state === 'complete') {
        this.finished.set(row.taskId, row.status);
        this.handled.add(row.taskId);
      }
    }
    for (const row of rows) {
      if (row.state === 'running' && row.schedulerId) this.resumeRunning(row);
      else if (row.state === 'waiting') this.resumeStarting(row);
    }
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
      return;
    }
    this.finish();
  }

  /** Stops running containers and cancels tasks that have not started. */
  cancel(): void {
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    this.store.requestCancel(this.pipelineId, this.runId);
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
        this.complete(task.id, 'skipped', { reason: 'failed_precondition', description: `parent "${parent}" ended ${this.finished.get(parent)}, but this task requires ${required}` });
        continue;
      }
      void this.runTask(task);
    }
  }

  private async runTask(task: TaskConfig): Promise<void> {
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
      this.store.taskStarting(this.pipelineId, this.runId, task.id, resolved.stored);
      // Recovery relies on this record: make it durable before the scheduler acts.
      await this.store.durable();
      if (this.signal.aborted) return;
      if (this.cancelRequested) {
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: 'the run was cancelled before the task started' });
        return;
      }
      let schedulerId: string;
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
          ({ schedulerId } = await start);
        } finally {
          this.starting.delete(start);
        }
      } catch (err) {
        if (this.signal.aborted) return;
        const code = isGoferError(err) ? `${err.code}: ` : '';
        this.complete(task.id, 'failed', { reason: 'scheduler_error', description: `the scheduler could not start the container: ${code}${(err as Error).message}` });
        return;
      }
      // Recorded even when Gofer is closing: the next start re-attaches by this id.
      const started = Date.now();
      this.store.taskRunning(this.pipelineId, this.runId, task.id, schedulerId, started);
      this.bus.publish('task.started', { pipelineId: this.pipelineId, runId: this.runId, taskId: task.id, schedulerId });
      if (this.signal.aborted) return;
      await this.watch(task, schedulerId, started, resolved.secretValues, false);
    } catch (err) {
      if (this.signal.aborted) return;
      this.log.error('task failed unexpectedly', { task: task.id, error: (err as Error).message });
      if (!this.finished.has(task.id)) this.complete(task.id, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${(err as Error).message}` });
    }
  }

  /** Recovery: the task's container was running when Gofer stopped. */
  private resumeRunning(row: StoredTask): void {
    const task = this.tasks.get(row.taskId);
    if (!task) return;
    this.handled.add(row.taskId);
    void this.watch(task, row.schedulerId!, row.started ?? Date.now(), this.secretValuesFor(task), true).catch((err: Error) => {
      if (!this.signal.aborted && !this.finished.has(task.id)) this.complete(task.id, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${err.message}` });
    });
  }

  /**
   * Recovery: Gofer stopped while starting the task. A container found by its labels that is
   * running or has finished is adopted; one that never got going (created, not started: the
   * scheduler reports `unknown`) is removed first, then the task goes through runTask as if new
   * (the run may meanwhile have been cancelled, or a substitution may fail: then nothing starts,
   * and the leftover must not outlive its task).
   */
  private resumeStarting(row: StoredTask): void {
    const task = this.tasks.get(row.taskId);
    if (!task) return;
    this.handled.add(row.taskId);
    void (async () => {
      const found = this.scheduler.listContainers ? await this.scheduler.listContainers({ labels: this.labels(task.id) }).catch(() => []) : [];
      const existing = found[0];
      const state = existing ? await this.scheduler.getState({ schedulerId: existing.schedulerId }).catch(() => ({ state: 'unknown' as const })) : undefined;
      if (existing && state && state.state !== 'unknown') {
        const started = Date.now();
        this.store.taskRunning(this.pipelineId, this.runId, task.id, existing.schedulerId, started);
        this.bus.publish('task.started', { pipelineId: this.pipelineId, runId: this.runId, taskId: task.id, schedulerId: existing.schedulerId });
        await this.watch(task, existing.schedulerId, started, this.secretValuesFor(task), true);
      } else {
        if (existing) await this.discardLeftover(existing.schedulerId);
        await this.runTask(task);
      }
    })().catch((err: Error) => {
      if (!this.signal.aborted && !this.finished.has(task.id)) this.complete(task.id, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${err.message}` });
    });
  }

  /** Removes a container a dead core created but never started. */
  private async discardLeftover(schedulerId: string): Promise<void> {
    try {
      await this.scheduler.removeContainer?.({ schedulerId });
    } catch (err) {
      // Starting the task again under the same id replaces it anyway; only a cancelled task
      // would leave it behind, and the orphan reaper removes it at the next start.
      this.log.warn('could not remove a container left over from before the restart', { schedulerId, error: (err as Error).message });
    }
  }

  private async watch(task: TaskConfig, schedulerId: string, startedAt: number, secretValues: string[], reattach: boolean): Promise<void> {
    const watcher = new TaskWatcher({
      scheduler: this.scheduler,
      schedulerId,
      signal: this.signal,
      stopTimeoutMs: this.goferConfig.stopTimeoutMs,
      timeoutMs: task.timeoutMs ?? 0,
      startedAt,
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
    const { status, reason } = runOutcome(this.finished, this.cancelRequested);
    this.store.completeRun(this.pipelineId, this.runId, status, reason);
    if (this.apiToken !== undefined || this.config.tasks.some((t) => t.injectApiToken)) this.tokens.revokeRun(this.pipelineId, this.runId);
    this.bus.publish('run.completed', { pipelineId: this.pipelineId, runId: this.runId, status });
  }

  private labels(taskId: string): Record<string, string> {
    return { 'gofer.pipeline': this.pipelineId, 'gofer.run': String(this.runId), 'gofer.task': taskId, [INSTANCE_LABEL]: this.instanceId };
  }

  private readonly lookup: SubstitutionLookup = (kind, key) => {
    switch (kind) {
      case 'pipeline_secret':
        return this.secrets.get(this.pipelineId, key);
      case 'global_secret':
        return this.secrets.get(undefined, key);
      case 'pipeline_object':
        return this.objects.read(this.pipelineId, undefined, key)?.toString('utf8');
      case 'run_object':
        return this.objects.read(this.pipelineId, this.runId, key)?.toString('utf8');
    }
  };

  /** The secret values to mask for a task resumed after a restart. */
  private secretValuesFor(task: TaskConfig): string[] {
    return secretValuesOf(mergeVariables({ pipelineId: this.pipelineId, runId: this.runId, task, runVariables: this.runVariables }), this.lookup);
  }
}
