/**
 * Registers the pipeline and run stores, the orchestrator and the pipelines/runs/tasks/secrets/
 * objects APIs, then resumes unfinished runs. This is composition code: it is where each run's
 * child container is made and its execution resolved.
 */
import type { DependencyContainer } from 'tsyringe';
import { PipelinesService } from '../pipelines/pipelines-api.js';
import { PipelineStore } from '../pipelines/pipeline-store.js';
import {
  CONFIG, DATABASE, INSTANCE_ID, LOGGER, ORPHAN_REAPER,
  LIFECYCLE, LOG_STORE, OBJECT_STORE, OBJECTS_API, ORCHESTRATOR, PIPELINE_STORE, PIPELINES_API, RUN_ID, RUN_PIPELINE_ID, RUN_SCOPES,
  RUN_SIGNAL, RUN_STORE, RUN_TOKENS, RUNS_API, SECRETS_API, TASKS_API,
} from '../kernel/tokens.js';
import { instanceIdOf } from './instance-id.js';
import { OrphanReaper } from './orphan-reaper.js';
import { SecretsService } from '../stores/secrets-api.js';
import { LogStore } from './log-store.js';
import { Orchestrator, type RunScopeFactory } from './orchestrator.js';
import { RunExecution } from './run-execution.js';
import { RunStore } from './run-store.js';
import { RunTokens } from './run-tokens.js';
import { RunsService, TasksService } from './runs-api.js';

/** Registers the run services and resumes unfinished runs; called by createGofer after plugins load. */
export async function setUpRuns(root: DependencyContainer): Promise<void> {
  root.register(INSTANCE_ID, { useValue: instanceIdOf(root.resolve(DATABASE)) });
  root.register(PIPELINE_STORE, { useValue: root.resolve(PipelineStore) });
  root.register(RUN_STORE, { useValue: root.resolve(RunStore) });
  root.register(LOG_STORE, { useValue: root.resolve(LogStore) });
  root.register(RUN_TOKENS, { useValue: root.resolve(RunTokens) });

  const scopes: RunScopeFactory = (pipelineId, runId) => {
    const child = root.createChildContainer();
    const detach = new AbortController();
    child.register(RUN_PIPELINE_ID, { useValue: pipelineId });
    child.register(RUN_ID, { useValue: runId });
    child.register(RUN_SIGNAL, { useValue: detach.signal });
    return { execution: child.resolve(RunExecution), detach: () => detach.abort(), dispose: () => void child.dispose() };
  };
  root.register(RUN_SCOPES, { useValue: scopes });

  const orchestrator = root.resolve(Orchestrator);
  root.register(ORCHESTRATOR, { useValue: orchestrator });
  root.register(PIPELINES_API, { useValue: root.resolve(PipelinesService) });
  root.register(RUNS_API, { useValue: root.resolve(RunsService) });
  root.register(TASKS_API, { useValue: root.resolve(TasksService) });
  root.register(SECRETS_API, { useValue: root.resolve(SecretsService) });
  root.register(OBJECTS_API, { useValue: root.resolve(OBJECT_STORE) });
  root.resolve(LIFECYCLE).onClose('runs', 'orchestrator', () => orchestrator.close());
  orchestrator.recover();

  const reaper = root.resolve(OrphanReaper);
  root.register(ORPHAN_REAPER, { useValue: reaper });
  if (root.resolve(CONFIG).reapOrphans) {
    // In the background: start-up must not wait on the engine listing its containers.
    const logger = root.resolve(LOGGER);
    const reaping = reaper.reap().catch((err: unknown) => logger.warn('orphan reaping at start-up failed', { error: String(err) }));
    root.resolve(LIFECYCLE).onClose('runs', 'orphan reaping', () => reaping.then(() => undefined));
  }
}
