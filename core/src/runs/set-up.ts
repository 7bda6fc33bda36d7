/** Registers the orchestrator and the pipelines/runs/tasks/secrets/objects/events APIs. */
import type { DependencyContainer } from 'tsyringe';

export async function setUpRuns(_root: DependencyContainer): Promise<void> {
  // Filled in by the runs module.
}
