/** The runs and tasks areas of the Gofer API. */
import { inject, injectable } from 'tsyringe';
import type { Run, RunsApi, StartRunOptions, TaskExecution, TasksApi } from '../api/index.js';
import { LOG_STORE, ORCHESTRATOR, RUN_STORE } from '../kernel/tokens.js';
import type { LogStore } from './log-store.js';
import type { Orchestrator } from './orchestrator.js';
import { publicRun, publicTask, type RunStore } from './run-store.js';

/** The runs area of the Gofer API (RUNS_API). */
@injectable()
export class RunsService implements RunsApi {
  constructor(
    @inject(ORCHESTRATOR) private readonly orchestrator: Orchestrator,
    @inject(RUN_STORE) private readonly store: RunStore,
  ) {}

  async start(pipelineId: string, opts: StartRunOptions = {}): Promise<Run> {
    const run = this.orchestrator.start(pipelineId, opts.variables ?? {}, opts.initiator ?? { kind: 'api', name: 'api' });
    // The caller may tell the world about this run: only once it is on disk.
    await this.store.durable();
    return publicRun(run);
  }

  async list(pipelineId: string, opts: { limit?: number } = {}): Promise<Run[]> {
    return this.store.listRuns(pipelineId, opts.limit).map(publicRun);
  }

  async get(pipelineId: string, runId: number): Promise<Run> {
    return publicRun(this.store.getRun(pipelineId, runId));
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

/** The tasks area of the Gofer API (TASKS_API): task executions and their logs. */
@injectable()
export class TasksService implements TasksApi {
  constructor(
    @inject(RUN_STORE) private readonly store: RunStore,
    @inject(LOG_STORE) private readonly logStore: LogStore,
  ) {}

  async list(pipelineId: string, runId: number): Promise<TaskExecution[]> {
    this.store.getRun(pipelineId, runId);
    return this.store.tasks(pipelineId, runId).map(publicTask);
  }

  async get(pipelineId: string, runId: number, taskId: string): Promise<TaskExecution> {
    return publicTask(this.store.task(pipelineId, runId, taskId));
  }

  async *logs(pipelineId: string, runId: number, taskId: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    this.store.task(pipelineId, runId, taskId);
    yield* this.logStore.read(pipelineId, runId, taskId, {
      ...opts,
      isDone: () => this.store.task(pipelineId, runId, taskId).state === 'complete',
    });
  }
}
