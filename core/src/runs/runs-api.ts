/** The runs and tasks areas of the Gofer API. */
import type { RerunOptions, Run, RunsApi, StartRunOptions, TaskExecution, TasksApi } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { ORCHESTRATOR, type Orchestrator } from './orchestrator.js';
import { publicRun, publicTask, RUN_STORE, type RunStore, type StoredRun } from './run-store.js';

/** The runs area of the Gofer API. */
@injectable(ORCHESTRATOR, RUN_STORE)
export class RunsService implements RunsApi {
  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly store: RunStore,
  ) {}

  async start(pipelineId: string, opts: StartRunOptions = {}): Promise<Run> {
    const run = this.orchestrator.start(pipelineId, opts.variables ?? {}, opts.initiator ?? { kind: 'api', name: 'api' });
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

  async list(pipelineId: string, opts: { limit?: number } = {}): Promise<Run[]> {
    return this.store.listRuns(pipelineId, opts.limit).map((r) => this.view(r));
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
@injectable(RUN_STORE, LOG_STORE)
export class TasksService implements TasksApi {
  constructor(
    private readonly store: RunStore,
    private readonly logStore: LogStore,
  ) {}

  async list(pipelineId: string, runId: number): Promise<TaskExecution[]> {
    this.store.getRun(pipelineId, runId);
    return this.store.tasks(pipelineId, runId).map(publicTask);
  }

  async get(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution> {
    return publicTask(this.store.task(pipelineId, runId, taskId));
  }

  async *logs(pipelineId: string, runId: number, taskId: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    // A carried-over task's output stays in the log of the run that ran it (read there, not copied).
    const from = this.store.task(pipelineId, runId, taskId).carriedFrom?.runId ?? runId;
    yield* this.logStore.read(pipelineId, from, taskId, {
      ...opts,
      isDone: () => this.store.task(pipelineId, from, taskId).state === 'complete',
    });
  }
}

export const RUNS_API = token<RunsApi>('gofer.api.runs');
export const TASKS_API = token<TasksApi>('gofer.api.tasks');
