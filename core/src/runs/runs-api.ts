/** The runs and tasks areas of the Gofer API. */
import {
  GoferError,
  type ApprovalDecisionOptions,
  type RerunOptions,
  type Run,
  type RunListOptions,
  type RunsApi,
  type StartRunOptions,
  type TaskAttempt,
  type TaskExecution,
  type TasksApi,
} from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { numericCursor, pageLimit } from '../kernel/paging.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { ORCHESTRATOR, type Orchestrator } from './orchestrator.js';
import { currentAttempt, publicRun, publicTask, RUN_STORE, type RunStore, type StoredRun } from './run-store.js';

/** The runs area of the Gofer API. */
@injectable(ORCHESTRATOR, RUN_STORE)
export class RunsService implements RunsApi {
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly store: RunStore,
  ) {}

  async start(pipelineId: string, opts: StartRunOptions = {}): Promise<Run> {
    const run = this.orchestrator.start(
      pipelineId,
      opts.variables ?? {},
      opts.initiator ?? { kind: 'api', name: 'api' },
      undefined,
      opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs },
    );
    // The caller may tell the world about this run: only once it is on disk.
    await this.store.durable();
    return this.view(run);
  }

  async rerun(pipelineId: string, runId: number, opts: RerunOptions = {}): Promise<Run> {
    const run = this.orchestrator.rerun(
      pipelineId,
      runId,
      {
        mode: opts.mode ?? 'all',
        ...(opts.taskId !== undefined ? { taskId: opts.taskId } : {}),
        ...(opts.withDependents ? { withDependents: true } : {}),
      },
      opts.initiator ?? { kind: 'api', name: 'api' },
    );
    await this.store.durable();
    return this.view(run);
  }

  async list(pipelineId: string, opts: RunListOptions = {}): Promise<Run[]> {
    const limit = pageLimit('runs', opts.limit);
    const before = numericCursor('before', opts.before);
    return this.store.listRuns(pipelineId, limit, before).map((r) => this.view(r));
  }

  async get(pipelineId: string, runId: number): Promise<Run> {
    return this.view(this.store.getRun(pipelineId, runId));
  }

  /** The public run, with why it waits when a concurrency group holds it back. */
  private view(stored: StoredRun): Run {
    const run = publicRun(stored);
    if (run.state !== 'pending') return run;
    const waiting = this.orchestrator.waiting(run.pipelineId, run.runId);
    return waiting ? { ...run, waiting } : run;
  }

  async cancel(pipelineId: string, runId: number): Promise<Run> {
    this.orchestrator.cancel(pipelineId, runId);
    await this.store.durable();
    return publicRun(this.store.getRun(pipelineId, runId));
  }

  async wait(pipelineId: string, runId: number, opts: { signal?: AbortSignal } = {}): Promise<Run> {
    return publicRun(await this.orchestrator.wait(pipelineId, runId, opts.signal));
  }
}

/** The tasks area of the Gofer API: task executions and their logs. */
@injectable(RUN_STORE, LOG_STORE, ORCHESTRATOR)
export class TasksService implements TasksApi {
  constructor(
    private readonly store: RunStore,
    private readonly logStore: LogStore,
    private readonly orchestrator: Orchestrator,
  ) {}

  async approve(pipelineId: string, runId: number, taskId: string, opts: ApprovalDecisionOptions = {}): Promise<TaskExecution> {
    return this.decide(pipelineId, runId, taskId, 'approved', opts);
  }

  async reject(pipelineId: string, runId: number, taskId: string, opts: ApprovalDecisionOptions = {}): Promise<TaskExecution> {
    return this.decide(pipelineId, runId, taskId, 'rejected', opts);
  }

  private async decide(
    pipelineId: string,
    runId: number,
    taskId: string,
    decision: 'approved' | 'rejected',
    opts: ApprovalDecisionOptions,
  ): Promise<TaskExecution> {
    checkDecisionOptions(opts);
    this.orchestrator.decide(pipelineId, runId, taskId, decision, opts);
    // The caller may tell the world about this decision: only once it is on disk.
    await this.store.durable();
    return publicTask(this.store.task(pipelineId, runId, taskId));
  }

  async list(pipelineId: string, runId: number): Promise<TaskExecution[]> {
    this.store.getRun(pipelineId, runId);
    return this.store.tasks(pipelineId, runId).map(publicTask);
  }

  async get(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution> {
    return publicTask(this.store.task(pipelineId, runId, taskId));
  }

  /**
   * The current (or last) attempt's output unless `attempt` names another. A carried-over task's
   * output stays in the log of the run that ran it (read there, not copied).
   */
  async *logs(
    pipelineId: string,
    runId: number,
    taskId: string,
    opts: { follow?: boolean; signal?: AbortSignal; attempt?: number } = {},
  ): AsyncIterable<Uint8Array> {
    const row = this.store.task(pipelineId, runId, taskId);
    const from = row.carriedFrom?.runId ?? runId;
    const current = row.attempt;
    const attempt = opts.attempt ?? current;
    if (!Number.isInteger(attempt) || attempt < 1 || attempt > current) {
      throw new GoferError('ERR_NOT_FOUND', `Task "${taskId}" of run ${runId} has no attempt ${attempt} (it has ${current}).`, {
        details: { pipelineId, runId, taskId, attempt },
      });
    }
    yield* this.logStore.read(pipelineId, from, taskId, {
      ...(opts.follow !== undefined ? { follow: opts.follow } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      attempt,
      // An attempt is over once the task completed or went on to a later attempt.
      isDone: () => {
        const source = this.store.task(pipelineId, from, taskId);
        return source.state === 'complete' || source.attempt > attempt;
      },
    });
  }

  async attempts(pipelineId: string, runId: number, taskId: string): Promise<TaskAttempt[]> {
    const task = this.store.task(pipelineId, runId, taskId);
    return [...this.store.pastAttempts(pipelineId, runId, taskId), currentAttempt(publicTask(task))];
  }

  async cancel(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution> {
    this.orchestrator.cancelTask(pipelineId, runId, taskId);
    await this.store.durable();
    return publicTask(this.store.task(pipelineId, runId, taskId));
  }
}

/** The typed API is called by host code with no schema in front of it: check what reaches the store. */
function checkDecisionOptions(opts: ApprovalDecisionOptions): void {
  if (opts.comment !== undefined && (typeof opts.comment !== 'string' || opts.comment.length > 2000))
    throw new GoferError('ERR_INVALID_ARGUMENT', 'The comment of a decision must be a string of at most 2000 characters.', { details: { field: 'comment' } });
  const by = opts.by;
  if (
    by !== undefined &&
    (typeof by !== 'object' || by === null || !['management', 'client', 'run', 'host'].includes(by.kind) || typeof by.name !== 'string' || by.name === '')
  )
    throw new GoferError('ERR_INVALID_ARGUMENT', 'The approver `by` must be { kind: "management" | "client" | "run" | "host", name: string }.', {
      details: { field: 'by' },
    });
}

export const RUNS_API = token<RunsApi>('gofer.api.runs');
export const TASKS_API = token<TasksApi>('gofer.api.tasks');
