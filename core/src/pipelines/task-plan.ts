/**
 * A run's task executions, planned from its pipeline config: one per task, and one per
 * combination of a matrix task (`test[NODE=18,OS=alpine]`). Pure and deterministic: the run's
 * creation, its execution, a restart and a rerun all plan the same executions from the same
 * config, so a stored row always names a planned execution.
 */
import {
  MATRIX_OPTION_KEYS,
  type AnyTaskConfig,
  type MatrixCombination,
  type MatrixConfig,
  type PipelineConfig,
  type RequiredParentStatus,
  type TaskExecutionStatus,
} from '../api/index.js';

/** One task execution of a run. */
export interface PlannedTask {
  /** The execution id: the config's task id, or the combination's (`test[NODE=18,OS=alpine]`). */
  id: string;
  /** The task in the config, with `id` set to the execution id. */
  task: AnyTaskConfig;
  /** The config's task id (the matrix task's id for a combination). */
  configId: string;
  /** Set on a matrix combination. */
  matrix?: MatrixCombination;
  /** `dependsOn` by config task id, as written (a matrix parent stands for all its combinations). */
  dependsOn: ReadonlyArray<readonly [parentConfigId: string, required: RequiredParentStatus]>;
}

/** Every execution of a run, in config order (a matrix task's combinations in expansion order). */
export interface TaskPlan {
  readonly tasks: readonly PlannedTask[];
  readonly byId: ReadonlyMap<string, PlannedTask>;
  /** Config task id -> its execution ids (one for a task without a matrix). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

const OPTION_KEYS = new Set<string>(MATRIX_OPTION_KEYS);

/** The axes of a matrix, in the order written: `NODE -> ['18', '20']`. */
export function matrixAxes(matrix: MatrixConfig): Array<[axis: string, values: string[]]> {
  return Object.entries(matrix).filter((e): e is [string, string[]] => !OPTION_KEYS.has(e[0]) && Array.isArray(e[1]));
}

/**
 * Every combination of a matrix: the cross product of its axes (the first axis varying
 * slowest), less those matching every key of an `exclude` entry, plus each `include` entry not
 * already among them.
 */
export function matrixCombinations(matrix: MatrixConfig): Array<Record<string, string>> {
  let combinations: Array<Record<string, string>> = [{}];
  const axes = matrixAxes(matrix);
  for (const [axis, values] of axes) combinations = combinations.flatMap((c) => values.map((v) => ({ ...c, [axis]: v })));
  if (axes.length === 0) combinations = [];
  const matches = (c: Record<string, string>, entry: Record<string, string>) => Object.entries(entry).every(([k, v]) => c[k] === v);
  combinations = combinations.filter((c) => !(matrix.exclude ?? []).some((entry) => matches(c, entry)));
  const seen = new Set(combinations.map((c) => combinationId('', c)));
  for (const entry of matrix.include ?? []) {
    const key = combinationId('', entry);
    if (seen.has(key)) continue;
    seen.add(key);
    combinations.push({ ...entry });
  }
  return combinations;
}

/** `test[NODE=18,OS=alpine]`: the task id and the values in their order. */
export function combinationId(taskId: string, values: Readonly<Record<string, string>>): string {
  return `${taskId}[${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}]`;
}

const plans = new WeakMap<PipelineConfig, TaskPlan>();

/** The executions of `config` (cached per config object: configs are immutable once stored). */
export function planTasks(config: PipelineConfig): TaskPlan {
  const cached = plans.get(config);
  if (cached) return cached;
  const tasks: PlannedTask[] = [];
  const groups = new Map<string, string[]>();
  for (const task of config.tasks) {
    const dependsOn = Object.entries<RequiredParentStatus>(task.dependsOn ?? {});
    const matrix = task.kind === 'approval' ? undefined : task.matrix;
    if (!matrix) {
      tasks.push({ id: task.id, task, configId: task.id, dependsOn });
      groups.set(task.id, [task.id]);
      continue;
    }
    const ids: string[] = [];
    for (const values of matrixCombinations(matrix)) {
      const id = combinationId(task.id, values);
      ids.push(id);
      tasks.push({ id, task: { ...task, id }, configId: task.id, matrix: { taskId: task.id, values }, dependsOn });
    }
    groups.set(task.id, ids);
  }
  const plan: TaskPlan = { tasks, byId: new Map(tasks.map((t) => [t.id, t])), groups };
  plans.set(config, plan);
  return plan;
}

/**
 * What a matrix task's combinations amount to together, for its dependents' `dependsOn` and
 * `when`: `failed` when any failed (or ended `unknown`), else `cancelled` when any was
 * cancelled, else `skipped` when all were skipped, else `successful`. A task without a matrix
 * is its one execution's status.
 */
export function combinedStatus(statuses: readonly TaskExecutionStatus[]): TaskExecutionStatus {
  if (statuses.some((s) => s === 'failed' || s === 'unknown')) return 'failed';
  if (statuses.some((s) => s === 'cancelled')) return 'cancelled';
  if (statuses.length > 0 && statuses.every((s) => s === 'skipped')) return 'skipped';
  return 'successful';
}
