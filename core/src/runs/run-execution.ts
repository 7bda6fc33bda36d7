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
  isApprovalTask,
  isGoferError,
  type AnyTaskConfig,
  type ApprovalDecision,
  type ApprovalTaskConfig,
  type Approver,
  type Clock,
  type ClockTimer,
  type GoferConfig,
  type Logger,
  type PipelineConfig,
  type Scheduler,
  type TaskApproval,
  type TaskConfig,
  type TaskExecutionReason,
  type TaskExecutionStatus,
} from '../api/index.js';
import { containerLabels, containerRequestId } from '../containers/container-labels.js';
import { INSTANCE_ID } from '../containers/instance-id.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { sleep } from '../kernel/abortable.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK, CONFIG, LOGGER } from '../kernel/tokens.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { OBJECT_STORE, type ObjectStore } from '../objects/object-store.js';
import { PIPELINE_STORE, type PipelineStore } from '../pipelines/pipeline-store.js';
import { SCHEDULER } from '../plugin-host/registry.js';
import { SECRET_STORE, type SecretStore } from '../stores/secret-store.js';
import { storeLookup } from '../tasks/substitution.js';
import { OUTPUT_LIMITS, OutputsInvalidError, parseOutputs } from '../tasks/task-outputs.js';
import { ContainerRemovals, removalWanted } from '../tasks/container-cleanup.js';
import { TaskWatcher, type TaskOutcome } from '../tasks/task-watcher.js';
import {
  MissingOutputError,
  MissingSubstitutionError,
  mergeVariables,
  resolveVariables,
  secretValuesOf,
  withSchedulerSecrets,
  type OutputLookup,
  type SubstitutionLookup,
} from '../tasks/variables.js';
import { compileCondition, ConditionError, type ConditionContext } from '../pipelines/conditions.js';
import { decisionOutcome, requireApprover } from './approval-gate.js';
import { parentSatisfies, runOutcome } from './dag-rules.js';
import { backoffBefore, shouldRetry } from './retry-policy.js';
import { resumeTask, type ResumableRun } from './run-recovery.js';
import { RUN_STORE, type RunCancelReason, type RunStore, type StoredOutput, type StoredRun } from './run-store.js';
import { combinedStatus, planTasks, type PlannedTask, type TaskPlan } from '../pipelines/task-plan.js';
import { RUN_TOKENS, type RunTokens } from './run-tokens.js';

/** Reads of a task's outputs while its scheduler is unavailable, and the wait before the n-th (times n). */
const OUTPUT_READ_TRIES = 4;
const OUTPUT_READ_BACKOFF_MS = 500;

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
  /** The run's task executions (a matrix task's combinations each one of them). */
  private plan!: TaskPlan;
  private runVariables: Record<string, string> = {};
  /** Every task execution by its id, its config's `id` being that id. */
  private readonly tasks = new Map<string, AnyTaskConfig>();
  /** What each ended task wrote to $GOFER_OUTPUT, as stored (secret values sealed). */
  private readonly outputs = new Map<string, StoredOutput[]>();
  /** Why a task nobody cancelled was cancelled (`because ...`: a failed combination of its `failFast` matrix). */
  private readonly cancelNotes = new Map<string, string>();
  /** Approval gates waiting for a decision, with their timeout timers. */
  private readonly approvals = new Map<string, { task: ApprovalTaskConfig; approval: TaskApproval; timer?: ClockTimer }>();
  /** Final status of each completed task. */
  private readonly finished = new Map<string, TaskExecutionStatus>();
  /** Tasks handed to runTask/reattach (or completed without running). */
  private readonly handled = new Set<string>();
  private readonly watchers = new Map<string, TaskWatcher>();
  private cancelRequested = false;
  /** Why the run was cancelled: `timeout` when its own time limit did it. */
  private cancelReason: RunCancelReason = 'cancelled';
  /** Tasks a single-task cancel was asked for (tasks.cancel). */
  private readonly cancelledTasks = new Set<string>();
  /** The current attempt of each task that is past its first. */
  private readonly attempts = new Map<string, number>();
  /** Tasks waiting their retry backoff, with the timer that starts the next attempt. */
  private readonly retryTimers = new Map<string, ClockTimer>();
  private runTimer: ClockTimer | undefined;
  /** Why the run is cancelled, when the canceller said (a newer run of its concurrency group). */
  private cancelNote: string | undefined;
  /** startContainer calls in flight: on detach, wait for them so their scheduler ids are recorded. */
  private readonly starting = new Set<Promise<unknown>>();
  private readonly removals: ContainerRemovals;
  private apiToken: string | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));
  readonly log: Logger;
  private readonly lookup: SubstitutionLookup;
  private readonly outputLookup: OutputLookup;

  constructor(
    readonly pipelineId: string,
    readonly runId: number,
    readonly signal: AbortSignal,
    private readonly store: RunStore,
    private readonly pipelines: PipelineStore,
    readonly scheduler: Scheduler,
    private readonly bus: EventBus,
    private readonly logs: LogStore,
    private readonly secrets: SecretStore,
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
    this.outputLookup = (taskId, key) => {
      const output = this.outputs.get(taskId)?.find((o) => o.key === key);
      if (!output) return undefined;
      return { value: output.secret ? this.secrets.open(this.sealContext(taskId, key), output.value) : output.value, secret: output.secret === true };
    };
  }

  /**
   * Runs (or resumes) the run until it completes, or until Gofer closes (detach). `created`: the
   * run as its creation wrote it this very turn (saves reading it back).
   */
  async execute(created?: StoredRun): Promise<void> {
    const run = created ?? this.store.getRun(this.pipelineId, this.runId);
    this.config = this.pipelines.config(this.pipelineId, run.version);
    // A copy: the run handed over at creation holds the caller's own variables object.
    this.runVariables = { ...run.variables };
    this.cancelRequested = run.cancelRequested;
    if (run.cancelReason) this.cancelReason = run.cancelReason;
    this.cancelNote = run.cancelDescription;
    this.plan = planTasks(this.config);
    for (const planned of this.plan.tasks) this.tasks.set(planned.id, planned.task);
    const fresh = run.state === 'pending';
    let deadline = run.deadline;
    if (fresh) {
      this.store.setRunRunning(this.pipelineId, this.runId);
      // The run's time limit counts from here (not from creation: a queued run has not run yet).
      if (run.timeoutMs && deadline === undefined) {
        deadline = this.clock.now() + run.timeoutMs;
        this.store.setRunDeadline(this.pipelineId, this.runId, deadline);
      }
      this.bus.publish('run.started', { pipelineId: this.pipelineId, runId: this.runId });
    }
    if (run.timeoutMs && deadline !== undefined && !this.cancelRequested) {
      const timeoutMs = run.timeoutMs;
      this.runTimer = this.clock.setTimeout(() => this.timedOut(timeoutMs), Math.max(0, deadline - this.clock.now()));
    }
    // A run that never ran has every task `processing` (or all cancelled, which cancel() wrote
    // together with the run's completion): only a resumed run needs all its task rows read back,
    // and a rerun, whose carried-over tasks were written `complete` with it. Any other new run
    // reads only the tasks a single-task cancel was asked for while it was queued (still
    // `processing`: resuming them does nothing).
    const rows = fresh && !run.initiator.rerunOf ? this.store.cancelRequestedTasks(this.pipelineId, this.runId) : this.store.tasks(this.pipelineId, this.runId);
    for (const row of rows) {
      if (row.attempt > 1) this.attempts.set(row.taskId, row.attempt);
      if (row.cancelRequested) this.cancelledTasks.add(row.taskId);
      if (row.storedOutputs) this.outputs.set(row.taskId, row.storedOutputs);
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
      // Detached or done: no backoff or time limit may act any more (a restart re-arms them from the store).
      this.clearTimers();
    }
    // Detaching: waiting gates stay recorded as waiting; the next start re-arms their timeouts.
    if (this.signal.aborted) for (const waiting of this.approvals.values()) if (waiting.timer) this.clock.clearTimeout(waiting.timer);
    if (this.signal.aborted && this.finished.size < this.tasks.size) {
      await Promise.allSettled([...this.starting]);
      await this.removals.settled();
      return;
    }
    // The run ends once its containers are gone (as removeAfterExit says): whoever waits for it may count on that.
    await this.removals.settled();
    await this.removeWorkspace();
    this.finish();
  }

  /**
   * Stops running containers and cancels tasks that have not started (or wait a retry). A run
   * whose tasks have all ended (it is only removing containers) has nothing to cancel: it keeps
   * its status.
   */
  cancel(why?: string): void {
    if (this.cancelRequested || (this.tasks.size > 0 && this.finished.size >= this.tasks.size)) return;
    this.cancelRequested = true;
    this.store.requestCancel(this.pipelineId, this.runId);
    if (why !== undefined) {
      this.cancelNote = why;
      this.store.setCancelDescription(this.pipelineId, this.runId, why);
    }
    this.bus.publish('run.cancel_requested', { pipelineId: this.pipelineId, runId: this.runId });
    if (this.runTimer) this.clock.clearTimeout(this.runTimer);
    for (const watcher of this.watchers.values()) watcher.stop('cancel');
    for (const taskId of [...this.retryTimers.keys()]) this.cancelBackoff(taskId, this.cancelDescription('during its retry backoff'));
    for (const [taskId, waiting] of [...this.approvals]) {
      this.approvals.delete(taskId);
      if (waiting.timer) this.clock.clearTimeout(waiting.timer);
      this.complete(taskId, 'cancelled', { reason: 'cancelled', description: 'the run was cancelled while the task waited for approval' });
    }
    this.schedule();
    this.checkDone();
  }

  /** The run ran over its `timeoutMs`: cancelled, with reason `timeout` (recorded first). */
  private timedOut(timeoutMs: number): void {
    this.runTimer = undefined;
    if (this.cancelRequested || this.signal.aborted) return;
    this.cancelReason = 'timeout';
    this.store.setCancelReason(this.pipelineId, this.runId, 'timeout');
    this.bus.publish('run.timed_out', { pipelineId: this.pipelineId, runId: this.runId, timeoutMs });
    this.log.info('the run ran over its timeout; cancelling it', { timeoutMs });
    this.cancel();
  }

  private cancelDescription(when: string): string {
    return this.cancelReason === 'timeout' ? `the run ran over its timeout and was cancelled ${when}` : `the run was cancelled ${when}`;
  }

  /**
   * Cancels one task (see TasksApi.cancel): recorded first; a running container is stopped
   * (graceful, then forced after the stop timeout), a task in its backoff or not yet started is
   * cancelled at once, one being started is stopped as soon as its start is recorded.
   */
  cancelTask(taskId: string): void {
    if (this.finished.has(taskId) || !this.tasks.has(taskId)) return;
    if (!this.cancelledTasks.has(taskId)) {
      this.cancelledTasks.add(taskId);
      this.store.requestTaskCancel(this.pipelineId, this.runId, taskId);
      this.bus.publish('task.cancel_requested', { pipelineId: this.pipelineId, runId: this.runId, taskId });
    }
    const watcher = this.watchers.get(taskId);
    if (watcher) return watcher.stop('cancel');
    if (this.retryTimers.has(taskId)) return this.cancelBackoff(taskId, `the task was cancelled during its retry backoff${this.noteOf(taskId)}`);
    if (!this.handled.has(taskId)) {
      this.handled.add(taskId);
      this.complete(taskId, 'cancelled', { reason: 'cancelled', description: `the task was cancelled before it started${this.noteOf(taskId)}` });
    }
    // Otherwise it is being started: runTask and watch see the request.
  }

  private cancelBackoff(taskId: string, description: string): void {
    const timer = this.retryTimers.get(taskId);
    if (timer) this.clock.clearTimeout(timer);
    this.retryTimers.delete(taskId);
    this.complete(taskId, 'cancelled', { reason: 'cancelled', description });
  }

  private clearTimers(): void {
    if (this.runTimer) this.clock.clearTimeout(this.runTimer);
    this.runTimer = undefined;
    for (const timer of this.retryTimers.values()) this.clock.clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** The task's current attempt, from 1. */
  attemptOf(taskId: string): number {
    return this.attempts.get(taskId) ?? 1;
  }

  /**
   * An attempt ended: another follows when the task's `retries` say so (the wait is recorded
   * before its timer is set, so a restart resumes it), else the task completes with it.
   */
  private attemptEnded(
    task: TaskConfig,
    status: TaskExecutionStatus,
    reason?: { reason: TaskExecutionReason; description: string },
    exitCode?: number,
    outputs?: StoredOutput[],
  ): void {
    if (this.finished.has(task.id)) return;
    const attempt = this.attemptOf(task.id);
    const stopped = this.cancelRequested || this.cancelledTasks.has(task.id) || this.signal.aborted;
    if (!stopped && reason && shouldRetry(task.retries, attempt, status, reason.reason)) {
      const next = attempt + 1;
      const retryAt = this.clock.now() + backoffBefore(task.retries!, next);
      this.store.taskRetrying(this.pipelineId, this.runId, task.id, status, reason, exitCode, retryAt);
      this.attempts.set(task.id, next);
      this.bus.publish('task.retrying', { pipelineId: this.pipelineId, runId: this.runId, taskId: task.id, attempt: next, retryAt, reason: reason.reason });
      this.log.info('the attempt failed; retrying after its backoff', { task: task.id, attempt, reason: reason.reason, retryAt });
      // Followers of the ended attempt's log see it is over.
      this.logs.touch(this.pipelineId, this.runId, task.id, attempt);
      this.armRetry(task, retryAt);
      return;
    }
    this.complete(task.id, status, reason, exitCode, outputs);
  }

  /** Starts the task's next attempt at `retryAt` (on the clock). */
  private armRetry(task: TaskConfig, retryAt: number): void {
    if (retryAt <= this.clock.now()) {
      // No wait (backoffMs 0, or a recorded wait that ended while Gofer was down): start at once.
      void this.store.durable().then(() => {
        if (!this.signal.aborted && !this.finished.has(task.id)) void this.runTask(task);
      });
      return;
    }
    const timer = this.clock.setTimeout(
      () => {
        this.retryTimers.delete(task.id);
        if (this.signal.aborted || this.finished.has(task.id)) return;
        // The wait was recorded before the timer was set: make sure it is on disk before the next attempt acts.
        void this.store.durable().then(() => {
          if (!this.signal.aborted) void this.runTask(task);
        });
      },
      Math.max(0, retryAt - this.clock.now()),
    );
    this.retryTimers.set(task.id, timer);
  }

  /** Recovery: a task was in its retry backoff when Gofer stopped; the wait goes on to the recorded time. */
  resumeBackoff(task: TaskConfig, retryAt: number): void {
    if (this.cancelRequested)
      return this.complete(task.id, 'cancelled', { reason: 'cancelled', description: this.cancelDescription('during its retry backoff') });
    if (this.cancelledTasks.has(task.id))
      return this.complete(task.id, 'cancelled', { reason: 'cancelled', description: 'the task was cancelled during its retry backoff' });
    this.armRetry(task, retryAt);
  }

  /**
   * Starts, skips or cancels every task whose parents are all complete (a matrix parent: all
   * its combinations, judged together by {@link combinedStatus}); a matrix combination waits
   * while its matrix's `maxParallel` combinations run; a `when` that is false skips the task.
   */
  private schedule(): void {
    for (const planned of this.plan.tasks) {
      const { task } = planned;
      if (this.handled.has(task.id)) continue;
      if (!planned.dependsOn.every(([parent]) => this.parentStatus(parent) !== undefined)) continue;
      if (this.cancelRequested) {
        this.handled.add(task.id);
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: this.cancelDescription('before the task started') });
        continue;
      }
      if (this.cancelledTasks.has(task.id)) {
        this.handled.add(task.id);
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: `the task was cancelled before it started${this.noteOf(task.id)}` });
        continue;
      }
      const unmet = planned.dependsOn.find(([parent, required]) => !parentSatisfies(required, this.parentStatus(parent)!));
      if (unmet) {
        const [parent, required] = unmet;
        this.handled.add(task.id);
        this.complete(task.id, 'skipped', {
          reason: 'failed_precondition',
          description: `parent "${parent}" ended ${this.parentStatus(parent)}, but this task requires ${required}`,
        });
        continue;
      }
      if (this.atMaxParallel(planned)) continue;
      this.handled.add(task.id);
      if (task.when !== undefined && !this.conditionHolds(planned, task.when)) continue;
      if (isApprovalTask(task)) this.waitForApproval(task);
      else void this.runTask(task);
    }
  }

  /** A config task's status once all its executions ended (undefined before): see {@link combinedStatus}. */
  private parentStatus(configId: string): TaskExecutionStatus | undefined {
    const members = this.plan.groups.get(configId) ?? [];
    const statuses: TaskExecutionStatus[] = [];
    for (const id of members) {
      const status = this.finished.get(id);
      if (status === undefined) return undefined;
      statuses.push(status);
    }
    return members.length === 1 ? statuses[0] : combinedStatus(statuses);
  }

  /** True while as many combinations of the task's matrix run (or wait a retry) as its `maxParallel` allows. */
  private atMaxParallel(planned: PlannedTask): boolean {
    const limit = planned.task.kind === 'approval' ? undefined : planned.task.matrix?.maxParallel;
    if (!planned.matrix || limit === undefined) return false;
    let active = 0;
    for (const id of this.plan.groups.get(planned.configId) ?? []) if (this.handled.has(id) && !this.finished.has(id)) active++;
    return active >= limit;
  }

  /**
   * Evaluates a task's `when`; false skips it (`condition_false`) and an expression that cannot
   * be evaluated (a type error, a missing output) fails it, both completing it here.
   */
  private conditionHolds(planned: PlannedTask, expression: string): boolean {
    try {
      const condition = compileCondition(expression);
      const variables: Record<string, string> = Object.fromEntries(this.mergedFor(planned).map((v) => [v.key, v.value]));
      // A variable the run was not given reads as '' (a manual run without GIT_BRANCH skips the
      // deploy instead of failing it); the skip's reason names it, so a misspelt name shows.
      const unset = condition.variableRefs.filter((name) => !Object.hasOwn(variables, name));
      for (const name of unset) variables[name] = '';
      const tasks: Record<string, ConditionContext['tasks'][string]> = {};
      for (const ref of condition.taskRefs) {
        const status = this.plan.groups.has(ref) ? this.parentStatus(ref) : this.finished.get(ref);
        if (status === undefined) continue;
        const single = this.plan.groups.has(ref) ? (this.plan.groups.get(ref)!.length === 1 ? ref : undefined) : ref;
        const outputs: Record<string, string> = {};
        for (const o of (single && this.outputs.get(single)) || []) outputs[o.key] = this.outputLookup(single!, o.key)!.value;
        tasks[ref] = { status, outputs };
      }
      if (condition.evaluate({ variables, tasks })) return true;
      const note = unset.length === 0 ? '' : ` (not set, so '': ${unset.join(', ')})`;
      this.complete(planned.id, 'skipped', { reason: 'condition_false', description: `its condition is false: when: ${expression}${note}` });
    } catch (err) {
      if (!(err instanceof ConditionError) && !isGoferError(err)) throw err;
      this.complete(planned.id, 'failed', {
        reason: 'failed_precondition',
        description: `its condition could not be evaluated (when: ${expression}): ${(err as Error).message}`,
      });
    }
    return false;
  }

  /** A task's variables before substitution, most important last (see mergeVariables). */
  private mergedFor(planned: PlannedTask, extra: { attempt?: number; apiToken?: string } = {}) {
    return mergeVariables({
      pipelineId: this.pipelineId,
      runId: this.runId,
      task: planned.task as TaskConfig,
      runVariables: this.runVariables,
      ...(planned.matrix ? { matrixValues: planned.matrix.values } : {}),
      ...extra,
    });
  }

  /**
   * A combination of a `failFast` matrix failed: the combinations not yet started are
   * cancelled and the running ones stopped (recorded as single-task cancels, with this reason).
   */
  private failFast(planned: PlannedTask): void {
    const note = `another combination of the matrix ("${planned.id}") failed and failFast is on`;
    for (const id of this.plan.groups.get(planned.configId) ?? []) {
      if (id === planned.id || this.finished.has(id)) continue;
      this.cancelNotes.set(id, `because ${note}`);
      this.cancelTask(id);
    }
  }

  /** ` because ...` when the task was cancelled for a reason of the run's own (failFast), else nothing. */
  private noteOf(taskId: string): string {
    const note = this.cancelNotes.get(taskId);
    return note === undefined ? '' : ` ${note}`;
  }

  /** The AES context a secret output is sealed with: bound to where it is kept. */
  private sealContext(taskId: string, key: string): string {
    return `output\0${this.pipelineId}\0${this.runId}\0${taskId}\0${key}`;
  }

  /**
   * Reads, checks and seals what the task wrote to $GOFER_OUTPUT (undefined: nothing, or a
   * scheduler without outputs). Throws OutputsInvalidError for a file that breaks the format
   * or its limits, or a secret output without a secret key.
   */
  private async readOutputs(taskId: string, schedulerId: string): Promise<StoredOutput[] | undefined> {
    const scheduler = this.scheduler;
    if (!scheduler.readOutputs) return undefined;
    const read = () => scheduler.readOutputs!({ schedulerId, maxBytes: OUTPUT_LIMITS.maxBytes });
    let bytes: Uint8Array | undefined;
    // The task has ended: a scheduler that cannot be reached for a moment (an engine restart)
    // gets a few more tries before the task fails for want of its outputs.
    for (let attempt = 1; ; attempt++) {
      try {
        bytes = await read();
        break;
      } catch (err) {
        if (attempt >= OUTPUT_READ_TRIES || !isGoferError(err) || err.code !== 'ERR_SCHEDULER_UNAVAILABLE' || this.signal.aborted) throw err;
        await sleep(OUTPUT_READ_BACKOFF_MS * attempt, this.signal);
      }
    }
    if (!bytes || bytes.length === 0) return undefined;
    const parsed = parseOutputs(bytes);
    return parsed.map(({ key, value, secret }) => {
      if (!secret) return { key, value };
      try {
        return { key, value: this.secrets.seal(this.sealContext(taskId, key), value), secret: true };
      } catch (err) {
        throw new OutputsInvalidError(`output ${key} is secret, and keeping it needs Gofer's secret key: ${(err as Error).message}`);
      }
    });
  }

  /** The run's shared workspace, when its pipeline has one. */
  private workspaceId(): string | undefined {
    return this.config.workspace ? `${this.pipelineId}_${this.runId}_${this.instanceId}` : undefined;
  }

  /** The run ended and its containers are removed: so is its workspace (a failure is logged; the run still ends). */
  private async removeWorkspace(): Promise<void> {
    const id = this.workspaceId();
    if (id === undefined || !this.scheduler.removeWorkspace) return;
    try {
      await this.scheduler.removeWorkspace({ id });
    } catch (err) {
      this.log.warn("could not remove the run's workspace", { workspace: id, error: (err as Error).message });
    }
  }

  /** An approval gate's parents are done: record that it waits (durable before its timer is set). */
  private waitForApproval(task: ApprovalTaskConfig): void {
    const requested = this.clock.now();
    const approval: TaskApproval = { message: task.message, requested, ...(task.timeoutMs ? { deadline: requested + task.timeoutMs } : {}) };
    this.store.approvalWaiting(this.pipelineId, this.runId, task.id, approval);
    this.bus.publish('task.approval_requested', {
      pipelineId: this.pipelineId,
      runId: this.runId,
      taskId: task.id,
      message: task.message,
      ...(approval.deadline !== undefined ? { deadline: approval.deadline } : {}),
    });
    this.approvals.set(task.id, { task, approval });
    void this.store.durable().then(() => this.armApproval(task.id));
  }

  /** Sets a waiting gate's timeout, counted from when it started waiting (also after a restart). */
  private armApproval(taskId: string): void {
    const waiting = this.approvals.get(taskId);
    if (!waiting || waiting.approval.deadline === undefined || this.signal.aborted) return;
    const left = waiting.approval.deadline - this.clock.now();
    const fire = () => {
      if (!this.signal.aborted) this.decideApproval(taskId, 'timed_out');
    };
    // Overdue after a restart: decided on the next turn, once recovery has read every row.
    if (left <= 0) setImmediate(fire);
    else waiting.timer = this.clock.setTimeout(fire, left);
  }

  /** Recovery: a gate was waiting when Gofer stopped; it waits again, its timeout unchanged. */
  resumeApproval(taskId: string, approval: TaskApproval | undefined): void {
    const task = this.tasks.get(taskId);
    if (!task || !isApprovalTask(task)) return;
    this.handled.add(taskId);
    this.approvals.set(taskId, { task, approval: approval ?? { message: task.message, requested: this.clock.now() } });
    this.armApproval(taskId);
  }

  /**
   * Applies a decision to a waiting gate, once: the decision and the task's completion are
   * written in the same turn (one commit). False when the gate does not wait here (any more).
   * ERR_FORBIDDEN when `by` is not among the gate's approvers.
   */
  decideApproval(taskId: string, decision: ApprovalDecision['decision'], by?: Approver, comment?: string): boolean {
    const waiting = this.approvals.get(taskId);
    if (!waiting || this.finished.has(taskId)) return false;
    if (decision !== 'timed_out' && by) requireApprover(this.pipelineId, waiting.task, by);
    const made: ApprovalDecision = { decision, ...(by ? { by } : {}), ...(comment ? { comment } : {}), at: this.clock.now() };
    if (!this.store.approvalDecided(this.pipelineId, this.runId, taskId, waiting.approval, made)) return false;
    this.approvals.delete(taskId);
    if (waiting.timer) this.clock.clearTimeout(waiting.timer);
    this.bus.publish('task.approval_decided', { pipelineId: this.pipelineId, runId: this.runId, taskId, ...made });
    const outcome = decisionOutcome(waiting.task, made);
    this.complete(taskId, outcome.status, outcome.reason);
    return true;
  }

  /** Starts one task: variables, substitutions, the durable record, then the scheduler. */
  async runTask(task: TaskConfig): Promise<void> {
    const attempt = this.attemptOf(task.id);
    try {
      const planned = this.plan.byId.get(task.id)!;
      const merged = this.mergedFor(planned, {
        attempt,
        ...(task.injectApiToken ? { apiToken: (this.apiToken ??= this.tokens.issue(this.pipelineId, this.runId)) } : {}),
      });
      const workspace = this.workspaceId();
      if (workspace !== undefined && !this.scheduler.removeWorkspace) {
        this.attemptEnded(task, 'failed', {
          reason: 'scheduler_error',
          description:
            'the pipeline has `workspace: true`, but the configured scheduler gives tasks no shared workspace; use a scheduler that does (docker, process, swarm) or remove `workspace`',
        });
        return;
      }
      let resolved;
      try {
        resolved = resolveVariables(merged, this.lookup, this.outputLookup);
      } catch (err) {
        if (err instanceof MissingSubstitutionError || err instanceof MissingOutputError || isGoferError(err)) {
          this.attemptEnded(task, 'failed', { reason: 'failed_precondition', description: (err as Error).message });
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
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: this.cancelDescription('before the task started') });
        return;
      }
      if (this.cancelledTasks.has(task.id)) {
        this.complete(task.id, 'cancelled', { reason: 'cancelled', description: `the task was cancelled before it started${this.noteOf(task.id)}` });
        return;
      }
      let schedulerId: string;
      let secretEnv: Record<string, string> | undefined;
      try {
        const start = this.scheduler.startContainer({
          id: containerRequestId(this.pipelineId, this.runId, task.id, attempt),
          image: task.image,
          variables: resolved.env,
          secrets: task.secrets ?? {},
          labels: this.labels(task.id),
          ...(task.registryAuth ? { registryAuth: task.registryAuth } : {}),
          ...(task.alwaysPull ? { alwaysPull: true } : {}),
          ...(task.entrypoint ? { entrypoint: task.entrypoint } : {}),
          ...(task.command ? { command: task.command } : {}),
          ...(workspace !== undefined ? { workspace: { id: workspace } } : {}),
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
        this.attemptEnded(task, 'failed', {
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
        this.attemptEnded(task, 'failed', { reason: 'scheduler_error', description: `unexpected error: ${(err as Error).message}` });
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
      openWriter: () => this.logs.writer(this.pipelineId, this.runId, task.id, true, this.attemptOf(task.id)),
      secretValues,
      reattach,
      logger: this.log.child({ task: task.id }),
    });
    this.watchers.set(task.id, watcher);
    if (this.cancelRequested || this.cancelledTasks.has(task.id)) watcher.stop('cancel');
    let outcome: TaskOutcome | undefined;
    try {
      outcome = await watcher.run();
    } finally {
      this.watchers.delete(task.id);
    }
    if (!outcome || this.signal.aborted) return;
    let reason = outcome.reason;
    let status = outcome.status;
    if (outcome.status === 'cancelled' && this.cancelledTasks.has(task.id) && !this.cancelRequested)
      reason = { reason: 'cancelled', description: `the container was stopped ${this.cancelNotes.get(task.id) ?? 'because the task was cancelled'}` };
    else if (outcome.status === 'cancelled' && this.cancelReason === 'timeout')
      reason = { reason: 'cancelled', description: 'the container was stopped because the run ran over its timeout' };
    // The container ended on its own: what it wrote to $GOFER_OUTPUT is kept with its completion (one commit).
    let outputs: StoredOutput[] | undefined;
    if ((status === 'successful' || status === 'failed') && outcome.exitCode !== undefined) {
      try {
        outputs = await this.readOutputs(task.id, schedulerId);
      } catch (err) {
        if (this.signal.aborted) return;
        if (err instanceof OutputsInvalidError) {
          if (status === 'successful') status = 'failed';
          reason = { reason: 'outputs_invalid', description: `the task's outputs ($GOFER_OUTPUT) were refused: ${err.message}` };
        } else {
          status = 'failed';
          reason = {
            reason: 'scheduler_error',
            description: `the scheduler could not read the task's outputs: ${isGoferError(err) ? `${err.code}: ` : ''}${(err as Error).message}`,
          };
        }
      }
      if (this.signal.aborted) return;
    }
    this.attemptEnded(task, status, reason, outcome.exitCode, outputs);
    this.removeContainer(task, schedulerId, { ...outcome, status });
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

  private complete(
    taskId: string,
    status: TaskExecutionStatus,
    reason?: { reason: TaskExecutionReason; description: string },
    exitCode?: number,
    outputs?: StoredOutput[],
  ): void {
    if (this.finished.has(taskId)) return;
    this.store.taskComplete(this.pipelineId, this.runId, taskId, status, reason, exitCode, outputs);
    this.finished.set(taskId, status);
    if (outputs) this.outputs.set(taskId, outputs);
    this.bus.publish('task.completed', {
      pipelineId: this.pipelineId,
      runId: this.runId,
      taskId,
      status,
      ...(reason ? { reason: reason.reason } : {}),
      ...(exitCode !== undefined ? { exitCode } : {}),
    });
    this.logs.touch(this.pipelineId, this.runId, taskId, this.attemptOf(taskId));
    const planned = this.plan.byId.get(taskId);
    if (planned?.matrix && (status === 'failed' || status === 'unknown') && planned.task.kind !== 'approval' && planned.task.matrix?.failFast !== false)
      this.failFast(planned);
    this.schedule();
    this.checkDone();
  }

  private checkDone(): void {
    if (this.finished.size >= this.tasks.size) this.resolveDone();
  }

  /** Computes and stores the run's final status; revokes its API token. */
  private finish(): void {
    const allowedToFail = new Set(this.plan.tasks.filter((t) => t.task.kind !== 'approval' && t.task.allowFailure).map((t) => t.id));
    const outcome = runOutcome(this.finished, this.cancelRequested, allowedToFail);
    const { status } = outcome;
    const reason =
      status === 'cancelled' && this.cancelReason === 'timeout'
        ? {
            reason: 'timeout',
            description: `the run ran longer than its timeout of ${this.store.getRun(this.pipelineId, this.runId).timeoutMs ?? 0} ms and was cancelled`,
          }
        : status === 'cancelled' && this.cancelNote !== undefined
          ? { reason: 'cancelled', description: this.cancelNote }
          : outcome.reason;
    this.store.completeRun(this.pipelineId, this.runId, status, reason);
    if (this.apiToken !== undefined || this.config.tasks.some((t) => !isApprovalTask(t) && t.injectApiToken))
      this.tokens.revokeRun(this.pipelineId, this.runId);
    this.bus.publish('run.completed', { pipelineId: this.pipelineId, runId: this.runId, status });
  }

  labels(taskId: string): Record<string, string> {
    return containerLabels(this.pipelineId, this.runId, taskId, this.instanceId, this.attemptOf(taskId));
  }

  /** Claims a task for recovery (the DAG will not start it again); undefined when the config has no such task. */
  claim(taskId: string): TaskConfig | undefined {
    const task = this.tasks.get(taskId);
    if (!task || isApprovalTask(task)) return undefined;
    this.handled.add(taskId);
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
    const planned = this.plan.byId.get(task.id);
    const merged = planned
      ? this.mergedFor(planned)
      : mergeVariables({ pipelineId: this.pipelineId, runId: this.runId, task, runVariables: this.runVariables });
    return secretValuesOf(merged, this.lookup, this.outputLookup);
  }
}

/** A new execution per resolve, made in the run's child container (see RUN_SCOPES). */
export const RUN_EXECUTION = token<RunExecution>('gofer.run.execution');
