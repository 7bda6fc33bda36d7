/**
 * Registration checks of how tasks work together, on a config that passed the schema and the
 * DAG checks: matrices (their size, `exclude` keys, axes that clash with the task's variables),
 * `when` expressions (syntax, and that every task they read is an ancestor) and references to
 * outputs in variable values (an ancestor, and one combination of a matrix ancestor). Each
 * problem has its JSON path.
 */
import { MATRIX_MAX_COMBINATIONS, isApprovalTask, type PipelineConfig, type ValidationProblem } from '../api/index.js';
import { ConditionError, compileCondition } from './conditions.js';
import { combinationId, matrixAxes, matrixCombinations } from './task-plan.js';
import { outputReferences } from './output-references.js';

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Every task's ancestors (its parents, theirs, ...) by config id. */
function ancestorsOf(config: PipelineConfig): Map<string, Set<string>> {
  const parents = new Map(config.tasks.map((t) => [t.id, Object.keys(t.dependsOn ?? {})]));
  const memo = new Map<string, Set<string>>();
  const visit = (id: string, seen: Set<string>): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    const out = new Set<string>();
    for (const parent of parents.get(id) ?? []) {
      if (seen.has(parent)) continue;
      out.add(parent);
      for (const a of visit(parent, new Set([...seen, parent]))) out.add(a);
    }
    memo.set(id, out);
    return out;
  };
  for (const task of config.tasks) visit(task.id, new Set([task.id]));
  return memo;
}

/** Every problem of how the config's tasks work together (empty: none). */
export function taskLinkProblems(config: PipelineConfig): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const ancestors = ancestorsOf(config);
  // Config id -> its combinations' ids (matrix tasks only).
  const combinations = new Map<string, Set<string>>();
  config.tasks.forEach((task, i) => {
    if (isApprovalTask(task) || !task.matrix) return;
    const path = `/tasks/${i}/matrix`;
    const axes = matrixAxes(task.matrix);
    const axisNames = new Set(axes.map(([axis]) => axis));
    for (const [axis] of axes) {
      if (task.variables && axis in task.variables)
        problems.push({ path: `${path}/${escapePointer(axis)}`, message: `matrix axis "${axis}" is also a variable of this task; rename one of them` });
    }
    (task.matrix.exclude ?? []).forEach((entry, j) => {
      for (const key of Object.keys(entry))
        if (!axisNames.has(key))
          problems.push({
            path: `${path}/exclude/${j}/${escapePointer(key)}`,
            message: `"${key}" is not an axis of the matrix (axes: ${[...axisNames].join(', ') || 'none'})`,
          });
    });
    if (axes.length === 0 && (task.matrix.include ?? []).length === 0) {
      problems.push({ path, message: 'the matrix has no axis (an environment variable name mapped to a list of values) and no include' });
      return;
    }
    const all = matrixCombinations(task.matrix);
    if (all.length === 0) problems.push({ path, message: 'exclude removes every combination of the matrix; the task would never run' });
    else if (all.length > MATRIX_MAX_COMBINATIONS)
      problems.push({
        path,
        message: `the matrix expands to ${all.length} combinations, over the limit of ${MATRIX_MAX_COMBINATIONS}; use fewer values or exclude some`,
      });
    combinations.set(task.id, new Set(all.map((c) => combinationId(task.id, c))));
  });
  const byId = new Set(config.tasks.map((t) => t.id));
  /** Which config task a reference names: itself, or the matrix task one of whose combinations it is. */
  const ownerOf = (ref: string): string | undefined => {
    if (byId.has(ref)) return ref;
    for (const [taskId, ids] of combinations) if (ids.has(ref)) return taskId;
    return undefined;
  };
  const checkReference = (taskIndex: number, path: string, ref: string, what: string, outputs: boolean): void => {
    const task = config.tasks[taskIndex]!;
    const owner = ownerOf(ref);
    if (owner === undefined) {
      const hint = ref.includes('[') ? ' (a matrix combination is named like `test[NODE=18,OS=alpine]`, its values in the matrix order)' : '';
      problems.push({ path, message: `${what} reads task "${ref}", which the pipeline does not have${hint}` });
      return;
    }
    if (!ancestors.get(task.id)?.has(owner)) {
      problems.push({ path, message: `${what} reads task "${ref}", which is not an ancestor of this task: add "${owner}" to its dependsOn` });
      return;
    }
    if (outputs && owner === ref && combinations.has(ref)) {
      const example = [...combinations.get(ref)!][0]!;
      problems.push({ path, message: `${what} reads the outputs of "${ref}", which is a matrix: name one combination, for example tasks.${example}.outputs` });
    }
  };
  config.tasks.forEach((task, i) => {
    if (task.when !== undefined) {
      const path = `/tasks/${i}/when`;
      try {
        const condition = compileCondition(task.when);
        for (const ref of condition.taskRefs) checkReference(i, path, ref, '`when`', false);
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        problems.push({ path, message: `is not a valid expression: ${err.message}` });
      }
    }
    if (isApprovalTask(task)) return;
    for (const [key, value] of Object.entries(task.variables ?? {})) {
      for (const ref of outputReferences(value))
        checkReference(i, `/tasks/${i}/variables/${escapePointer(key)}`, ref.taskId, `the reference to tasks.${ref.taskId}.outputs.${ref.key}`, true);
    }
  });
  return problems;
}
