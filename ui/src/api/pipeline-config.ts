/**
 * The task graph of a pipeline version. The API types a version's `config` as an object (the
 * service validated it on registration); the UI reads only what it draws and checks each field.
 */
export type DependsOn = 'any' | 'success' | 'failure';

/** A task's `matrix` as the UI reads it: its axes in the order written, and the options it shows. */
export interface MatrixSpec {
  /** `[['NODE', ['18', '20']], ['OS', ['alpine']]]`. */
  axes: Array<[axis: string, values: string[]]>;
  /** Combinations added to the cross product. */
  include: Array<Record<string, string>>;
  /** Combinations taken out of it (each entry matches those having all its values). */
  exclude: Array<Record<string, string>>;
  /** At most this many combinations run at once. */
  maxParallel?: number;
  /** Whether one failing combination stops the others (the core's default: true). */
  failFast?: boolean;
}

export interface TaskSpec {
  id: string;
  image: string;
  description?: string;
  dependsOn: Record<string, DependsOn>;
  /** Set on a matrix task: the run has one execution per combination (`test[NODE=18]`). */
  matrix?: MatrixSpec;
  /** The task's `when` expression (CEL): false skips it with reason `condition_false`. */
  when?: string;
  /** The task may fail without failing the run. */
  allowFailure?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DEPENDS_ON = new Set<string>(['any', 'success', 'failure']);
const MATRIX_OPTIONS = new Set<string>(['include', 'exclude', 'maxParallel', 'failFast']);

const stringMap = (v: unknown): Record<string, string> | undefined => {
  if (!isRecord(v)) return undefined;
  const entries = Object.entries(v);
  return entries.every(([, value]) => typeof value === 'string') ? (v as Record<string, string>) : undefined;
};
const stringMaps = (v: unknown): Array<Record<string, string>> =>
  Array.isArray(v) ? v.map(stringMap).filter((m): m is Record<string, string> => m !== undefined) : [];

/** A `matrix` field, or nothing when it is not an object with at least one axis or `include`. */
export function matrixOf(value: unknown): MatrixSpec | undefined {
  if (!isRecord(value)) return undefined;
  const axes: Array<[string, string[]]> = [];
  for (const [key, values] of Object.entries(value)) {
    if (MATRIX_OPTIONS.has(key) || !Array.isArray(values)) continue;
    const strings = values.filter((v): v is string => typeof v === 'string');
    if (strings.length > 0) axes.push([key, strings]);
  }
  const include = stringMaps(value.include);
  if (axes.length === 0 && include.length === 0) return undefined;
  return {
    axes,
    include,
    exclude: stringMaps(value.exclude),
    ...(typeof value.maxParallel === 'number' ? { maxParallel: value.maxParallel } : {}),
    ...(typeof value.failFast === 'boolean' ? { failFast: value.failFast } : {}),
  };
}

/** The tasks of a config, in config order; anything malformed is left out rather than guessed. */
export function tasksOf(config: unknown): TaskSpec[] {
  if (!isRecord(config) || !Array.isArray(config.tasks)) return [];
  const out: TaskSpec[] = [];
  for (const task of config.tasks) {
    if (!isRecord(task) || typeof task.id !== 'string') continue;
    const dependsOn: Record<string, DependsOn> = {};
    if (isRecord(task.dependsOn))
      for (const [parent, kind] of Object.entries(task.dependsOn)) if (typeof kind === 'string' && DEPENDS_ON.has(kind)) dependsOn[parent] = kind as DependsOn;
    // Approval gates have no matrix (the core ignores one there too).
    const matrix = task.kind === 'approval' ? undefined : matrixOf(task.matrix);
    out.push({
      id: task.id,
      image: typeof task.image === 'string' ? task.image : '',
      ...(typeof task.description === 'string' ? { description: task.description } : {}),
      dependsOn,
      ...(matrix ? { matrix } : {}),
      ...(typeof task.when === 'string' && task.when !== '' ? { when: task.when } : {}),
      ...(task.allowFailure === true ? { allowFailure: true } : {}),
    });
  }
  return out;
}
