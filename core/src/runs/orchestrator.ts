/**
 * The orchestrator: creates runs (and reruns, rerun-plan.ts), admits them under the parallelism
 * limits (global `parallelism` and each pipeline's own) and their concurrency group's limit
 * (concurrency.ts: groups span pipelines), gives each admitted run its own child container and
 * execution, cancels, and resumes unfinished runs after a restart. Runs over a limit wait
 * `pending` in FIFO order (strictly so within a group); a slot is only held while a run is
 * running, so any limit >= 1 makes progress.
 */
import {
  GoferError,
  isApprovalTask,
  type ApprovalDecisionOptions,
  type GoferConfig,
  type Logger,
  type PipelineConfig,
  type RerunOf,
  type RunInitiator,
  type RunWaiting,
} from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { onAbort } from '../kernel/abortable.js';
import { injectable, token } from '../kernel/di.js';
import { CONFIG, LOGGER } from '../kernel/tokens.js';
import { OBJECT_STORE, type ObjectStore } from '../objects/object-store.js';
import { PIPELINE_STORE, type PipelineStore } from '../pipelines/pipeline-store.js';
import { HOST_APPROVER, notAnApprovalTask, notWaiting, requireApprover } from './approval-gate.js';
import { groupSettings, resolveGroup } from './concurrency.js';
import { carriedTasks, checkRerun } from './rerun-plan.js';
import type { RunExecution } from './run-execution.js';
import { RUN_STORE, type RunCreationExtras, type RunStore, type StoredRun } from './run-store.js';
import { planTasks } from '../pipelines/task-plan.js';

/** One run's scope: its execution, its detach switch, and how to dispose of its child container. */
export interface RunScope {
  execution: RunExecution;
  /** Aborts the run's RUN_SIGNAL: the execution detaches (Gofer is closing). */
  detach(): void;
  dispose(): void;
}

/**
 * Makes a run's child container (RUN_ID, RUN_PIPELINE_ID, and RUN_SIGNAL from the run's own
 * AbortController) and resolves its execution. Each run has its own controller: thousands of
 * listeners on one shared signal would make every add/remove O(n).
 */
export type RunScopeFactory = (pipelineId: string, runId: number) => RunScope;

/** Registered by the composition root: it is where child containers are made. */
export const RUN_SCOPES = token<RunScopeFactory>('gofer.run-scopes');

interface QueuedRun {
  pipelineId: string;
  runId: number;
  version: number;
  /** The run's resolved concurrency group, if its pipeline version has one. */
  group?: string;
  /**
   * The run as its creation wrote it, only while the creation's own pump may launch it (nothing
   * else can have touched its row by then): its execution need not read it back.
   */
  created?: StoredRun;
}

const key = (pipelineId: string, runId: number) => `${pipelineId}\0${runId}`;

/** The run admission and lifecycle service (one per Gofer instance); see the file comment. */
@injectable(CONFIG, LOGGER, RUN_STORE, PIPELINE_STORE, EVENT_BUS, OBJECT_STORE, RUN_SCOPES)
export class Orchestrator {
  private readonly pending: QueuedRun[] = [];
  /** Runs with a live execution; `completed` once their run.completed is published (the scope lives on until its promise settles). */
  private readonly active = new Map<string, { scope: RunScope; finished: Promise<void>; completed: boolean }>();
  private readonly runningPer = new Map<string, number>();
  /** Running runs per concurrency group (groups span pipelines: keyed by the resolved name). */
  private readonly runningPerGroup = new Map<string, number>();
  /** The group of each active run (to release its slot when it ends). */
  private readonly activeGroup = new Map<string, string>();
  private closed = false;
  /** Callers of wait(), by run: resolved from the run.completed event (one bus listener in all). */
  private readonly waiters = new Map<string, Set<(err?: Error) => void>>();

  constructor(
    private readonly config: GoferConfig,
    private readonly logger: Logger,
    private readonly store: RunStore,
    private readonly pipelines: PipelineStore,
    private readonly bus: EventBus,
    private readonly objects: ObjectStore,
    private readonly scopes: RunScopeFactory,
  ) {
    this.bus.subscribe((e) => {
      if (e.type !== 'run.completed') return;
      const k = key(e.payload.pipelineId, e.payload.runId);
      const running = this.active.get(k);
      if (running) running.completed = true;
      const set = this.waiters.get(k);
      if (!set) return;
      this.waiters.delete(k);
      for (const done of set) done();
    });
  }

  /**
   * Creates a run of the pipeline's live version and queues it. `inCreation` runs inside the
   * transaction that writes the run (an extension's event id is stored atomically with it).
   */
  start(
    pipelineId: string,
    variables: Record<string, string>,
    initiator: RunInitiator,
    inCreation?: (run: StoredRun) => void,
    opts: { timeoutMs?: number } = {},
  ): StoredRun {
    if (this.closed) throw new GoferError('ERR_GOFER_CLOSED', 'Gofer is closing; no new runs can start.');
    checkVariables(variables);
    checkTimeout(opts.timeoutMs);
    const info = this.pipelines.get(pipelineId);
    if (info.state === 'disabled') {
      throw new GoferError(
        'ERR_PIPELINE_DISABLED',
        `Pipeline "${pipelineId}" is disabled; enable it (\`gofer pipeline enable ${pipelineId}\`) before starting runs.`,
        { details: { pipelineId } },
      );
    }
    const config = this.pipelines.config(pipelineId, info.liveVersion);
    return this.create(pipelineId, info.liveVersion, config, variables, initiator, {}, inCreation, opts.timeoutMs);
  }

  /**
   * Creates a rerun of a complete run (see rerun-plan.ts): the same pinned version and variables,
   * the carried-over task rows and run objects written in the run's own creation transaction.
   */
  rerun(pipelineId: string, runId: number, rerunOf: Omit<RerunOf, 'runId'>, initiator: RunInitiator): StoredRun {
    if (this.closed) throw new GoferError('ERR_GOFER_CLOSED', 'Gofer is closing; no new runs can start.');
    const source = this.store.getRun(pipelineId, runId);
    const info = this.pipelines.get(pipelineId);
    if (source.state !== 'complete') {
      throw new GoferError(
        'ERR_CONFLICT',
        `Run ${runId} of pipeline "${pipelineId}" is ${source.state}; only a complete run can be rerun (wait for it, or cancel it, first).`,
        { details: { pipelineId, runId, state: source.state } },
      );
    }
    if (info.state === 'disabled') {
      throw new GoferError(
        'ERR_PIPELINE_DISABLED',
        `Pipeline "${pipelineId}" is disabled; enable it (\`gofer pipeline enable ${pipelineId}\`) before rerunning its runs.`,
        { details: { pipelineId } },
      );
    }
    const link: RerunOf = { runId, mode: rerunOf.mode };
    if (rerunOf.taskId !== undefined) link.taskId = rerunOf.taskId;
    if (rerunOf.withDependents) link.withDependents = true;
    const config = this.pipelines.config(pipelineId, source.version);
    checkRerun(config, pipelineId, runId, link);
    const carried = carriedTasks(config, this.store.tasks(pipelineId, runId), link);
    return this.create(
      pipelineId,
      source.version,
      config,
      source.variables,
      { ...initiator, rerunOf: link },
      { rerun: { fromRunId: runId, carried } },
      (run) =>
        this.bus.publish('run.rerun_requested', {
          pipelineId,
          runId: run.runId,
          rerunOf: runId,
          mode: link.mode,
          ...(link.taskId !== undefined ? { taskId: link.taskId } : {}),
          carried: carried.map((t) => t.taskId),
        }),
      // The run's own time limit, when it was given one at start, holds for its rerun too.
      source.timeoutMs,
    );
  }

  /**
   * Writes a run (with its group, and a rerun's carried tasks) and queues it. The concurrency
   * group's mode acts here: `skip` refuses before anything is written, `cancel-in-progress`
   * cancels the group's other runs in the same event-loop turn (one group commit) as the creation.
   */
  private create(
    pipelineId: string,
    version: number,
    config: PipelineConfig,
    variables: Record<string, string>,
    initiator: RunInitiator,
    extras: RunCreationExtras,
    inCreation?: (run: StoredRun) => void,
    runTimeoutMs?: number,
  ): StoredRun {
    const group = resolveGroup(config, variables);
    const settings = groupSettings(config);
    if (group !== undefined && settings.mode === 'skip') {
      const inGroup = this.groupMembers(group);
      if (inGroup.length >= settings.limit) {
        const names = inGroup.map((q) => `${q.pipelineId}#${q.runId}`).join(', ');
        throw new GoferError(
          'ERR_CONCURRENCY_GROUP_BUSY',
          `Concurrency group "${group}" (mode skip, limit ${settings.limit}) is full (${names}); the run was not started. Start it again once those runs are done.`,
          { details: { pipelineId, group, limit: settings.limit, runs: inGroup.map((q) => ({ pipelineId: q.pipelineId, runId: q.runId })) } },
        );
      }
    }
    const run = this.store.transaction(() => {
      const plan = planTasks(config);
      const created = this.store.createRun(pipelineId, version, plan.tasks, variables, initiator, {
        ...extras,
        ...(group !== undefined ? { concurrencyGroup: group } : {}),
      });
      // The run's own limit wins over the pipeline's (0: none); recorded with the run.
      const timeoutMs = runTimeoutMs ?? config.timeoutMs ?? 0;
      if (timeoutMs > 0) {
        this.store.setRunTimeout(pipelineId, created.runId, timeoutMs);
        created.timeoutMs = timeoutMs;
      }
      this.bus.publish('run.created', { pipelineId, runId: created.runId });
      for (const task of plan.tasks) this.bus.publish('task.created', { pipelineId, runId: created.runId, taskId: task.id });
      this.objects.expireRunObjects(pipelineId, created.runId);
      inCreation?.(created);
      return created;
    });
    if (group !== undefined && settings.mode === 'cancel-in-progress') {
      const why = `cancelled by run #${run.runId} of pipeline "${pipelineId}" (concurrency group "${group}", mode cancel-in-progress)`;
      for (const other of this.groupMembers(group)) this.cancel(other.pipelineId, other.runId, why);
    }
    // Log retention is a sweep as runs end (retention.ts): deleting here missed logs written later.
    const queued: QueuedRun = { pipelineId, runId: run.runId, version: run.version, ...(group !== undefined ? { group } : {}), created: run };
    this.pending.push(queued);
    this.pump();
    // Still queued: by the time it is admitted, its row may have changed (a task's cancel).
    delete queued.created;
    return run;
  }

  /** The runs of a group, queued or running, oldest first. */
  private groupMembers(group: string): Array<{ pipelineId: string; runId: number }> {
    const running = [...this.activeGroup.entries()]
      .filter(([, g]) => g === group)
      .map(([k]) => {
        const [pipelineId, runId] = k.split('\0') as [string, string];
        return { pipelineId, runId: Number(runId) };
      });
    return [...running, ...this.pending.filter((q) => q.group === group)];
  }

  /** Why a pending run waits, when its concurrency group is what holds it back. */
  waiting(pipelineId: string, runId: number): RunWaiting | undefined {
    const queued = this.pending.find((q) => q.pipelineId === pipelineId && q.runId === runId);
    if (!queued?.group) return undefined;
    const ahead = this.pending.filter((q) => q.group === queued.group && q !== queued && this.pending.indexOf(q) < this.pending.indexOf(queued)).length;
    const { limit } = groupSettings(this.pipelines.config(queued.pipelineId, queued.version));
    const running = this.runningPerGroup.get(queued.group) ?? 0;
    if (running < limit && ahead === 0) return undefined;
    return {
      reason: 'concurrency_group',
      description: `waits for concurrency group "${queued.group}" (limit ${limit}): ${running} running, ${ahead} queued ahead`,
    };
  }

  /**
   * Cancels a run: a pending one at once, a running one by stopping its containers. `why`
   * becomes the run's status reason (default "the run was cancelled").
   */
  cancel(pipelineId: string, runId: number, why?: string): void {
    const run = this.store.getRun(pipelineId, runId);
    if (run.state === 'complete') return;
    const queued = this.pending.findIndex((q) => q.pipelineId === pipelineId && q.runId === runId);
    if (queued >= 0) {
      this.pending.splice(queued, 1);
      this.store.transaction(() => {
        this.store.requestCancel(pipelineId, runId);
        if (why !== undefined) this.store.setCancelDescription(pipelineId, runId, why);
        this.bus.publish('run.cancel_requested', { pipelineId, runId });
        for (const task of this.store.tasks(pipelineId, runId)) {
          if (task.state === 'complete') continue;
          this.store.taskComplete(
            pipelineId,
            runId,
            task.taskId,
            'cancelled',
            { reason: 'cancelled', description: 'the run was cancelled before it started' },
            undefined,
          );
          this.bus.publish('task.completed', { pipelineId, runId, taskId: task.taskId, status: 'cancelled', reason: 'cancelled' });
        }
        this.store.completeRun(pipelineId, runId, 'cancelled', { reason: 'cancelled', description: why ?? 'the run was cancelled before it started' });
        this.bus.publish('run.completed', { pipelineId, runId, status: 'cancelled' });
      });
      return;
    }
    this.active.get(key(pipelineId, runId))?.scope.execution.cancel(why);
  }

  /**
   * Cancels one task of a run (see TasksApi.cancel). A run still queued has no execution: the
   * request is recorded, and the task is cancelled when the run starts.
   */
  cancelTask(pipelineId: string, runId: number, taskId: string): void {
    const run = this.store.getRun(pipelineId, runId);
    const task = this.store.task(pipelineId, runId, taskId);
    if (run.state === 'complete') {
      throw new GoferError('ERR_CONFLICT', `Run ${runId} of pipeline "${pipelineId}" is complete; there is nothing to cancel.`, {
        details: { pipelineId, runId, taskId },
      });
    }
    if (task.state === 'complete') return;
    const active = this.active.get(key(pipelineId, runId));
    if (active) return active.scope.execution.cancelTask(taskId);
    if (!task.cancelRequested) {
      this.store.requestTaskCancel(pipelineId, runId, taskId);
      this.bus.publish('task.cancel_requested', { pipelineId, runId, taskId });
    }
  }

  /**
   * Approves or rejects a waiting approval gate (see TasksApi.approve): checks the task's kind,
   * the approver and the state, then the run's execution records the decision and completes the
   * task in one commit. Await `store.durable()` before telling the caller.
   */
  decide(pipelineId: string, runId: number, taskId: string, decision: 'approved' | 'rejected', opts: ApprovalDecisionOptions = {}): void {
    const row = this.store.task(pipelineId, runId, taskId);
    const run = this.store.getRun(pipelineId, runId);
    const task = this.pipelines.config(pipelineId, run.version).tasks.find((t) => t.id === taskId);
    if (!task || !isApprovalTask(task)) throw notAnApprovalTask(pipelineId, runId, taskId);
    const by = opts.by ?? HOST_APPROVER;
    requireApprover(pipelineId, task, by);
    if (row.state !== 'waiting_approval') throw notWaiting(pipelineId, runId, taskId, row.state, row.approval?.decision);
    const execution = this.active.get(key(pipelineId, runId))?.scope.execution;
    if (!execution) throw new GoferError('ERR_GOFER_CLOSED', 'Gofer is closing; decide the approval again once it has restarted (the task still waits).');
    if (!execution.decideApproval(taskId, decision, by, opts.comment)) {
      const now = this.store.task(pipelineId, runId, taskId);
      throw notWaiting(pipelineId, runId, taskId, now.state, now.approval?.decision);
    }
  }

  /** Resolves once the run is complete (or rejects when `signal` aborts). */
  async wait(pipelineId: string, runId: number, signal?: AbortSignal): Promise<StoredRun> {
    const k = key(pipelineId, runId);
    // A run being executed that has not published its completion is not complete: nothing to read yet.
    const running = this.active.get(k);
    if (!running || running.completed) {
      const run = this.store.getRun(pipelineId, runId);
      if (run.state === 'complete') return run;
    }
    await new Promise<void>((resolve, reject) => {
      const set = this.waiters.get(k) ?? new Set<(err?: Error) => void>();
      this.waiters.set(k, set);
      let leave: (() => void) | undefined;
      const aborted = () => {
        set.delete(done);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const done = (err?: Error) => {
        leave?.();
        if (err) reject(err);
        else resolve();
      };
      if (signal?.aborted) return aborted();
      if (signal) leave = onAbort(signal, aborted);
      set.add(done);
    });
    return this.store.getRun(pipelineId, runId);
  }

  /** True when the run has a live execution or waits in the queue. */
  isActive(pipelineId: string, runId: number): boolean {
    return this.active.has(key(pipelineId, runId)) || this.pending.some((q) => q.pipelineId === pipelineId && q.runId === runId);
  }

  /** Resumes unfinished runs found in the store: running ones at once, pending ones queued. */
  recover(): number {
    const unfinished = this.store.unfinishedRuns();
    for (const run of unfinished) {
      // The group was stored at creation: a queued run rejoins its group's FIFO (seq order) as it was.
      const queued = {
        pipelineId: run.pipelineId,
        runId: run.runId,
        version: run.version,
        ...(run.concurrencyGroup !== undefined ? { group: run.concurrencyGroup } : {}),
      };
      if (run.state === 'running') this.launch(queued);
      else this.pending.push(queued);
    }
    this.pump();
    if (unfinished.length > 0) this.logger.info('resumed unfinished runs', { runs: unfinished.length });
    return unfinished.length;
  }

  /** Stops admitting runs and detaches from running ones; their state stays for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const { scope } of this.active.values()) scope.detach();
    await Promise.allSettled([...this.active.values()].map((a) => a.finished));
    const closed = new GoferError('ERR_GOFER_CLOSED', 'Gofer closed before the run completed; it resumes on the next start.');
    for (const set of this.waiters.values()) for (const done of set) done(closed);
    this.waiters.clear();
  }

  /** Admits queued runs, oldest first, while the limits allow. */
  private pump(): void {
    if (this.closed) return;
    // A group one of whose runs stays queued in this pass admits none of its later runs: FIFO per group.
    const blocked = new Set<string>();
    for (let i = 0; i < this.pending.length;) {
      if (this.config.parallelism > 0 && this.active.size >= this.config.parallelism) return;
      const queued = this.pending[i]!;
      const config = this.pipelines.config(queued.pipelineId, queued.version);
      const limit = config.parallelism ?? 0;
      const groupFull =
        queued.group !== undefined && (blocked.has(queued.group) || (this.runningPerGroup.get(queued.group) ?? 0) >= groupSettings(config).limit);
      if (groupFull || (limit > 0 && (this.runningPer.get(queued.pipelineId) ?? 0) >= limit)) {
        if (queued.group !== undefined) blocked.add(queued.group);
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      this.launch(queued);
    }
  }

  private launch(queued: QueuedRun): void {
    const k = key(queued.pipelineId, queued.runId);
    this.runningPer.set(queued.pipelineId, (this.runningPer.get(queued.pipelineId) ?? 0) + 1);
    const { group } = queued;
    if (group !== undefined) {
      this.runningPerGroup.set(group, (this.runningPerGroup.get(group) ?? 0) + 1);
      this.activeGroup.set(k, group);
    }
    const scope = this.scopes(queued.pipelineId, queued.runId);
    // In the map before the execution starts: its run.completed must find it, however soon it comes.
    const entry = { scope, finished: Promise.resolve(), completed: false };
    this.active.set(k, entry);
    entry.finished = scope.execution
      .execute(queued.created)
      .catch((err: Error) => this.logger.error('run failed unexpectedly', { pipeline: queued.pipelineId, run: queued.runId, error: err.message }))
      .finally(() => {
        this.active.delete(k);
        const left = (this.runningPer.get(queued.pipelineId) ?? 1) - 1;
        if (left === 0) this.runningPer.delete(queued.pipelineId);
        else this.runningPer.set(queued.pipelineId, left);
        if (group !== undefined) {
          this.activeGroup.delete(k);
          const inGroup = (this.runningPerGroup.get(group) ?? 1) - 1;
          if (inGroup === 0) this.runningPerGroup.delete(group);
          else this.runningPerGroup.set(group, inGroup);
        }
        scope.dispose();
        this.pump();
      });
  }
}

function checkTimeout(timeoutMs: unknown): void {
  if (timeoutMs === undefined) return;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0) {
    throw new GoferError('ERR_INVALID_ARGUMENT', 'The run timeoutMs must be a whole number of milliseconds, 0 or more (0: no limit).', {
      details: { field: 'timeoutMs' },
    });
  }
}

function checkVariables(variables: unknown): asserts variables is Record<string, string> {
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    throw new GoferError('ERR_INVALID_ARGUMENT', 'Run variables must be an object of strings.', { details: { field: 'variables' } });
  }
  for (const [k, v] of Object.entries(variables)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw new GoferError('ERR_INVALID_ARGUMENT', `Run variable name ${JSON.stringify(k)} is not a valid environment variable name.`, {
        details: { field: `variables.${k}` },
      });
    if (typeof v !== 'string') throw new GoferError('ERR_INVALID_ARGUMENT', `Run variable ${k} must be a string.`, { details: { field: `variables.${k}` } });
  }
}

export const ORCHESTRATOR = token<Orchestrator>('gofer.orchestrator');
