/**
 * Registers the pipeline and run stores, the task logs, the orchestrator and the pipelines,
 * runs and tasks APIs, and the orphan reaper; `startRuns` then resumes unfinished runs. This is
 * where each run's child container is made and its execution resolved.
 */
import { INSTANCE_ID, instanceIdOf } from '../containers/instance-id.js';
import { ORPHAN_REAPER, OrphanReaper, TASK_STATES } from '../containers/orphan-reaper.js';
import type { Container } from '../kernel/di.js';
import { CONFIG, LIFECYCLE, LOGGER } from '../kernel/tokens.js';
import { LOG_STORE, LogStore } from '../logs/log-store.js';
import { PIPELINE_STORE, PipelineStore } from '../pipelines/pipeline-store.js';
import { PIPELINE_RUNS, PIPELINES_API, PipelinesService } from '../pipelines/pipelines-api.js';
import { ORCHESTRATOR, Orchestrator, RUN_SCOPES, type RunScopeFactory } from '../runs/orchestrator.js';
import { PipelineRunsCleanup } from '../runs/pipeline-runs.js';
import { RETENTION, Retention } from '../runs/retention.js';
import { RUN_EXECUTION, RUN_ID, RUN_PIPELINE_ID, RUN_SIGNAL, RunExecution } from '../runs/run-execution.js';
import { RUN_STORE, RunStore } from '../runs/run-store.js';
import { RUN_TOKENS, RunTokens } from '../runs/run-tokens.js';
import { RUNS_API, RunsService, TASKS_API, TasksService } from '../runs/runs-api.js';
import { DATABASE } from '../stores/database.js';

/** Registers the run services; called after plugins load (runs need the scheduler). */
export function wireRuns(root: Container): void {
  const scopes: RunScopeFactory = (pipelineId, runId) => {
    const child = root.child();
    const detach = new AbortController();
    child.value(RUN_PIPELINE_ID, pipelineId).value(RUN_ID, runId).value(RUN_SIGNAL, detach.signal);
    return { execution: child.resolve(RUN_EXECUTION), detach: () => detach.abort(), dispose: () => child.dispose() };
  };
  root
    .factory(INSTANCE_ID, [DATABASE], instanceIdOf)
    .singleton(PIPELINE_STORE, PipelineStore)
    .singleton(RUN_STORE, RunStore)
    .alias(TASK_STATES, RUN_STORE)
    .singleton(LOG_STORE, LogStore)
    .singleton(RUN_TOKENS, RunTokens)
    .transient(RUN_EXECUTION, RunExecution)
    .value(RUN_SCOPES, scopes)
    .singleton(ORCHESTRATOR, Orchestrator)
    .singleton(PIPELINE_RUNS, PipelineRunsCleanup)
    .singleton(PIPELINES_API, PipelinesService)
    .singleton(RUNS_API, RunsService)
    .singleton(TASKS_API, TasksService)
    .singleton(ORPHAN_REAPER, OrphanReaper)
    .singleton(RETENTION, Retention);
}

/** Sweeps retention, resumes unfinished runs, then (in the background) reaps orphan containers. */
export function startRuns(root: Container): void {
  const lifecycle = root.resolve(LIFECYCLE);
  const retention = root.resolve(RETENTION);
  retention.start();
  lifecycle.onClose('runs', 'retention', () => retention.stop());
  const orchestrator = root.resolve(ORCHESTRATOR);
  lifecycle.onClose('runs', 'orchestrator', () => orchestrator.close());
  orchestrator.recover();

  if (root.resolve(CONFIG).reapOrphans) {
    // In the background: start-up must not wait on the engine listing its containers.
    const logger = root.resolve(LOGGER);
    const reaping = root
      .resolve(ORPHAN_REAPER)
      .reap()
      .catch((err: unknown) => logger.warn('orphan reaping at start-up failed', { error: String(err) }));
    lifecycle.onClose('runs', 'orphan reaping', () => reaping.then(() => undefined));
  }
}
