/** The runs module's part in deleting a pipeline (PIPELINE_RUNS): stop its runs, then remove them. */
import { GoferError } from '../api/index.js';
import { injectable } from '../kernel/di.js';
import type { PipelineRuns } from '../pipelines/pipelines-api.js';
import { ORCHESTRATOR, type Orchestrator } from './orchestrator.js';
import { RUN_STORE, type RunStore } from './run-store.js';
import { RUN_TOKENS, type RunTokens } from './run-tokens.js';

@injectable(RUN_STORE, ORCHESTRATOR, RUN_TOKENS)
export class PipelineRunsCleanup implements PipelineRuns {
  constructor(
    private readonly store: RunStore,
    private readonly orchestrator: Orchestrator,
    private readonly tokens: RunTokens,
  ) {}

  async stopAll(pipelineId: string): Promise<void> {
    const unfinished = this.store.unfinishedRuns().filter((r) => r.pipelineId === pipelineId);
    for (const run of unfinished) this.orchestrator.cancel(pipelineId, run.runId);
    await Promise.all(unfinished.filter((r) => this.orchestrator.isActive(pipelineId, r.runId)).map((r) => this.orchestrator.wait(pipelineId, r.runId)));
    if (this.store.unfinishedRuns().some((r) => r.pipelineId === pipelineId)) {
      // A run this instance is not driving (being recovered, or finishing its cleanup) cannot be waited for here.
      throw new GoferError(
        'ERR_CONFLICT',
        `Pipeline "${pipelineId}" still has unfinished runs; wait until they complete (or cancel them), then delete it again.`,
        {
          details: { pipelineId },
        },
      );
    }
  }

  deleteAll(pipelineId: string): void {
    this.store.deletePipeline(pipelineId);
    this.tokens.deletePipeline(pipelineId);
  }
}
