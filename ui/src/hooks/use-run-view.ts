/**
 * Everything a run's views draw: the run, its task executions and the task graph of the version
 * it ran. The event stream keeps run and tasks current; while the stream is down the queries
 * poll instead, so a view never freezes.
 */
import { tasksOf, type TaskSpec } from '../api/pipeline-config';
import type { Run, TaskExecution } from '../api/types';
import { useRun, useTasks, useVersion } from './use-api';
import { useLiveStatus } from './use-live';

export interface RunView {
  run?: Run;
  tasks: TaskExecution[];
  /** The tasks of the run's pipeline version, in config order (a matrix task once; its combinations are in `tasks`). */
  specs: TaskSpec[];
  error: Error | null;
  isPending: boolean;
}

const POLL_MS = 2000;

export function useRunView(pipelineId: string, runId: number): RunView {
  const live = useLiveStatus() === 'live';
  const pollMs = live ? false : POLL_MS;
  const run = useRun(pipelineId, runId, { pollMs });
  const tasks = useTasks(pipelineId, runId, { pollMs });
  const version = useVersion(pipelineId, run.data?.version);
  const specs = version.data ? tasksOf(version.data.config) : [];
  // Tasks that ran but are not in the version's config (none expected) still get a node. A
  // matrix combination belongs to its config task (`matrix.taskId`): the graph draws it there.
  const known = new Set(specs.map((s) => s.id));
  for (const t of tasks.data ?? [])
    if (!known.has(t.taskId) && !(t.matrix && known.has(t.matrix.taskId))) {
      known.add(t.taskId);
      specs.push({ id: t.taskId, image: t.image ?? '', dependsOn: {} });
    }
  return {
    ...(run.data ? { run: run.data } : {}),
    tasks: tasks.data ?? [],
    specs,
    error: run.error ?? tasks.error ?? version.error ?? null,
    isPending: run.isPending || tasks.isPending || (run.data?.version !== undefined && version.isPending),
  };
}
