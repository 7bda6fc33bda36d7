/**
 * What the run graph draws: one node per task execution. A matrix task becomes one node per
 * combination (`test[NODE=18,OS=alpine]`), each with the edges of its config task: from every
 * execution of each parent, to every execution of each dependent (a dependent waits for all the
 * combinations). The combinations are the run's own task executions (their `matrix.taskId`), so
 * the UI never re-implements the core's expansion; before they exist a matrix task is one node.
 */
import type { DependsOn, MatrixSpec, TaskSpec } from '../../api/pipeline-config';
import type { TaskExecution } from '../../api/types';

/** One node of the run graph (see {@link graphTasks}). */
export interface GraphTask {
  /** The node's id: the task execution's id (`test[NODE=18]`), or the config task's id. */
  id: string;
  /** The task's id in the pipeline config (`test`). */
  configId: string;
  /** A combination's values, in the order the execution lists them. */
  values?: Record<string, string>;
  /** A matrix task drawn as one node, before its combinations exist. */
  matrix?: MatrixSpec;
  /** Parent node ids and what this node requires of each. */
  dependsOn: Record<string, DependsOn>;
}

/** `NODE=18 · OS=alpine`. */
export const valuesLabel = (values: Readonly<Record<string, string>>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(' · ');

/** The nodes of a run's graph, in config order (combinations in the order the run lists them). */
export function graphTasks(specs: readonly TaskSpec[], tasks: readonly TaskExecution[]): GraphTask[] {
  const combinations = new Map<string, TaskExecution[]>();
  for (const t of tasks) {
    if (!t.matrix) continue;
    const list = combinations.get(t.matrix.taskId) ?? [];
    list.push(t);
    combinations.set(t.matrix.taskId, list);
  }
  // Config task id -> its node ids.
  const groups = new Map<string, string[]>();
  for (const spec of specs) {
    const own = combinations.get(spec.id);
    groups.set(spec.id, own?.length ? own.map((t) => t.taskId) : [spec.id]);
  }
  const dependsOnOf = (spec: TaskSpec): Record<string, DependsOn> => {
    const out: Record<string, DependsOn> = {};
    for (const [parent, kind] of Object.entries(spec.dependsOn)) for (const id of groups.get(parent) ?? []) out[id] = kind;
    return out;
  };
  return specs.flatMap((spec): GraphTask[] => {
    const dependsOn = dependsOnOf(spec);
    const own = combinations.get(spec.id);
    if (own?.length) return own.map((t) => ({ id: t.taskId, configId: spec.id, values: t.matrix!.values, dependsOn }));
    return [{ id: spec.id, configId: spec.id, ...(spec.matrix ? { matrix: spec.matrix } : {}), dependsOn }];
  });
}

/** Whether a node carries a second line (a combination's values, or a matrix's axes). */
export const hasSubtitle = (t: Pick<GraphTask, 'values' | 'matrix'>): boolean => t.values !== undefined || t.matrix !== undefined;

/** The axes of a matrix not yet expanded: `matrix NODE × OS`. */
export const matrixLabel = (m: MatrixSpec): string => `matrix ${m.axes.map(([axis]) => axis).join(' × ') || 'include'}`;
