/**
 * Validates a pipeline config: the JSON Schema first (every ajv error), then the DAG checks
 * (duplicate task ids, unknown dependencies, self-dependencies, cycles) and those of how tasks
 * work together (matrices, `when`, references to outputs: validate-task-links.ts). Every problem is
 * reported at once, each with its JSON path, in one ERR_PIPELINE_INVALID error.
 */
import { GoferError, type PipelineConfig, type ValidationProblem } from '../api/index.js';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../api/ajv.js';
import { APPROVAL_TASK_SCHEMA, PIPELINE_SCHEMA, TASK_SCHEMA } from './schema.js';
import { taskLinkProblems } from './validate-task-links.js';

/** One validation problem: where (a JSON pointer) and what is wrong; the shape of every `details.problems`. */
export type ConfigProblem = ValidationProblem;

// Without defaults: a stored config is exactly what the author wrote. Compiled at the first
// validation, not when the module loads: compiling the pipeline schema took 50 ms of every
// `gofer service start`, which may register no pipeline at all.
let compiled: ValidateFunction | undefined;
const pipelineValidator = (): ValidateFunction => (compiled ??= createAjv({ useDefaults: false }).compile(PIPELINE_SCHEMA));

/** Keys of a container task that an approval gate has no use for: reported at their own path. */
const CONTAINER_ONLY_KEYS = new Set(Object.keys(TASK_SCHEMA.properties).filter((k) => !(k in APPROVAL_TASK_SCHEMA.properties)));

function schemaProblems(config: unknown): ConfigProblem[] {
  const validate = pipelineValidator();
  if (validate(config)) return [];
  // `if` only says which branch of a task's schema failed: the branch's own errors say how.
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const path = e.instancePath || '/';
      const isApprovalBranch = e.schemaPath.includes('/then/');
      if (e.keyword === 'additionalProperties' && isApprovalBranch && CONTAINER_ONLY_KEYS.has(String(e.params.additionalProperty))) {
        const key = String(e.params.additionalProperty);
        return { path: `${path}/${key}`, message: `an approval task runs no container: remove "${key}" (or drop \`kind: "approval"\`)` };
      }
      if (e.keyword === 'additionalProperties') return { path, message: `unknown key "${String(e.params.additionalProperty)}"; remove it` };
      if (e.keyword === 'required') return { path, message: `missing required key "${String(e.params.missingProperty)}"` };
      if (e.keyword === 'pattern' && /\/id$/.test(path)) return { path, message: 'must be 3-32 characters of letters, digits, "_" or "-"' };
      if (e.keyword === 'enum') return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
      if (e.keyword === 'propertyNames') return { path, message: `has a key that is not a valid environment variable name (${String(e.params.propertyName)})` };
      return { path, message: e.message ?? 'is invalid' };
    });
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** DAG problems of a config that passed the schema. */
function graphProblems(config: PipelineConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstIndex = new Map<string, number>();
  config.tasks.forEach((task, i) => {
    const earlier = firstIndex.get(task.id);
    if (earlier !== undefined)
      problems.push({ path: `/tasks/${i}/id`, message: `duplicate task id "${task.id}" (also /tasks/${earlier}/id); task ids must be unique` });
    else firstIndex.set(task.id, i);
  });
  config.tasks.forEach((task, i) => {
    for (const parent of Object.keys(task.dependsOn ?? {})) {
      const path = `/tasks/${i}/dependsOn/${escapePointer(parent)}`;
      if (parent === task.id) problems.push({ path, message: `task "${task.id}" depends on itself` });
      else if (!firstIndex.has(parent))
        problems.push({ path, message: `depends on unknown task "${parent}"; known tasks: ${[...firstIndex.keys()].join(', ')}` });
    }
  });
  // Cycles (self-dependencies are reported above): depth-first search with colours; each
  // cycle is reported once, at the task where it was found closing.
  const byId = new Map([...firstIndex].map(([id, i]) => [id, { task: config.tasks[i]!, index: i }] as const));
  const colour = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    colour.set(id, 'grey');
    stack.push(id);
    const entry = byId.get(id)!;
    for (const parent of Object.keys(entry.task.dependsOn ?? {})) {
      if (parent === id || !byId.has(parent)) continue;
      const c = colour.get(parent);
      if (c === 'grey') {
        const cycle = [...stack.slice(stack.indexOf(parent)), parent];
        problems.push({ path: `/tasks/${entry.index}/dependsOn/${escapePointer(parent)}`, message: `dependency cycle: ${cycle.join(' -> ')}` });
      } else if (c === undefined) visit(parent);
    }
    stack.pop();
    colour.set(id, 'black');
  };
  for (const id of byId.keys()) if (!colour.has(id)) visit(id);
  return problems;
}

/** Every problem of `config`, empty when it is valid. */
export function pipelineConfigProblems(config: unknown): ConfigProblem[] {
  const problems = schemaProblems(config);
  if (problems.length > 0) {
    // Still run the DAG checks when the task list is usable, so the author sees everything.
    const tasks = (config as { tasks?: unknown })?.tasks;
    if (Array.isArray(tasks) && tasks.every((t) => typeof t === 'object' && t !== null && typeof (t as { id?: unknown }).id === 'string')) {
      const normalised = tasks.map((t: { id: string; dependsOn?: unknown }) => ({
        ...t,
        dependsOn: typeof t.dependsOn === 'object' && t.dependsOn !== null ? t.dependsOn : {},
      }));
      problems.push(...graphProblems({ ...(config as PipelineConfig), tasks: normalised as PipelineConfig['tasks'] }));
    }
    return problems;
  }
  return [...graphProblems(config as PipelineConfig), ...taskLinkProblems(config as PipelineConfig)];
}

/** Returns the config typed, or throws ERR_PIPELINE_INVALID listing every problem with its path. */
export function validatePipelineConfig(config: unknown): PipelineConfig {
  const problems = pipelineConfigProblems(config);
  if (problems.length > 0) {
    const id = typeof (config as { id?: unknown })?.id === 'string' ? ` "${(config as { id: string }).id}"` : '';
    throw new GoferError(
      'ERR_PIPELINE_INVALID',
      `The pipeline config${id} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.map((p) => `${p.path}: ${p.message}`).join('\n  ')}`,
      { details: { problems } },
    );
  }
  return config as PipelineConfig;
}
