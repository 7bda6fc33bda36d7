/**
 * The task graph of a pipeline version. The API types a version's `config` as an object (the
 * service validated it on registration); the UI reads only what it draws and checks each field.
 */
export type DependsOn = 'any' | 'success' | 'failure';

export interface TaskSpec {
  id: string;
  image: string;
  description?: string;
  dependsOn: Record<string, DependsOn>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DEPENDS_ON = new Set<string>(['any', 'success', 'failure']);

/** The tasks of a config, in config order; anything malformed is left out rather than guessed. */
export function tasksOf(config: unknown): TaskSpec[] {
  if (!isRecord(config) || !Array.isArray(config.tasks)) return [];
  const out: TaskSpec[] = [];
  for (const task of config.tasks) {
    if (!isRecord(task) || typeof task.id !== 'string') continue;
    const dependsOn: Record<string, DependsOn> = {};
    if (isRecord(task.dependsOn))
      for (const [parent, kind] of Object.entries(task.dependsOn)) if (typeof kind === 'string' && DEPENDS_ON.has(kind)) dependsOn[parent] = kind as DependsOn;
    out.push({
      id: task.id,
      image: typeof task.image === 'string' ? task.image : '',
      ...(typeof task.description === 'string' ? { description: task.description } : {}),
      dependsOn,
    });
  }
  return out;
}
