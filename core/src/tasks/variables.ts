/**
 * A task's environment: three sources merged, most important first (pipeline config > run
 * runtime variables > system), then substitutions resolved from the stores; the task's
 * `secrets`, which the scheduler resolves, are listed beside them.
 */
import { SECRET_MASK, type SubstitutionStore, type TaskConfig, type TaskVariable, type VariableSource } from '../api/index.js';

/** What the orchestrator knows when it builds a task's variables. */
export interface VariableInputs {
  pipelineId: string;
  runId: number;
  task: TaskConfig;
  runVariables: Record<string, string>;
  /** Set when the task has `injectApiToken`. */
  apiToken?: string;
  /** The attempt being started (from 1): `GOFER_TASK_ATTEMPT`. */
  attempt?: number;
}

/** One merged variable before substitution. */
export interface MergedVariable {
  key: string;
  value: string;
  source: VariableSource;
}

/**
 * Merges the sources. Later writes of a key are from more important sources, so the system
 * variables go in first and the pipeline config's last: a pipeline variable named
 * `GOFER_PIPELINE_ID` replaces the system's.
 */
export function mergeVariables(inputs: VariableInputs): MergedVariable[] {
  const merged = new Map<string, MergedVariable>();
  const put = (source: VariableSource, vars: Record<string, string>) => {
    for (const [key, value] of Object.entries(vars)) merged.set(key, { key, value, source });
  };
  const system: Record<string, string> = {
    GOFER_PIPELINE_ID: inputs.pipelineId,
    GOFER_RUN_ID: String(inputs.runId),
    GOFER_TASK_ID: inputs.task.id,
    GOFER_TASK_IMAGE: inputs.task.image,
    GOFER_TASK_ATTEMPT: String(inputs.attempt ?? 1),
  };
  if (inputs.apiToken !== undefined) system.GOFER_API_TOKEN = inputs.apiToken;
  put('system', system);
  put('run_options', inputs.runVariables);
  put('pipeline_config', inputs.task.variables ?? {});
  return [...merged.values()];
}

/** The four substitution kinds: `pipeline_secret{{KEY}}` and friends. */
export type SubstitutionKind = SubstitutionStore;

const SUBSTITUTION = /(pipeline_secret|global_secret|pipeline_object|run_object)\{\{([A-Za-z0-9_.-]+)\}\}/g;

/** Looks up one substitution; undefined when the key is missing. */
export type SubstitutionLookup = (kind: SubstitutionKind, key: string) => string | undefined;

/** The environment to send, the variables to store (secrets masked), the secret values to mask in logs. */
export interface ResolvedVariables {
  env: Record<string, string>;
  stored: TaskVariable[];
  secretValues: string[];
}

/** Thrown (as a plain value) when a substitution key is missing. */
export class MissingSubstitutionError extends Error {
  constructor(
    readonly variable: string,
    readonly kind: SubstitutionKind,
    readonly key: string,
  ) {
    super(
      `variable ${variable} refers to ${kind}{{${key}}}, which does not exist; store it with \`gofer ${kind.endsWith('secret') ? 'secret' : 'object'} put\` or fix the variable`,
    );
  }
}

/**
 * Replaces every substitution in the pipeline-config and runtime variables (system variables
 * are Gofer's own and never substituted). Throws {@link MissingSubstitutionError} naming the
 * first missing key. `GOFER_API_TOKEN` is stored masked and its value is masked in logs.
 */
export function resolveVariables(merged: readonly MergedVariable[], lookup: SubstitutionLookup): ResolvedVariables {
  const env: Record<string, string> = {};
  const stored: TaskVariable[] = [];
  const secretValues: string[] = [];
  for (const v of merged) {
    if (v.source === 'system') {
      env[v.key] = v.value;
      const secret = v.key === 'GOFER_API_TOKEN';
      if (secret) secretValues.push(v.value);
      stored.push({ key: v.key, value: secret ? SECRET_MASK : v.value, source: v.source });
      continue;
    }
    const replace = (maskSecrets: boolean) =>
      v.value.replace(SUBSTITUTION, (_m, kind: SubstitutionKind, key: string) => {
        const value = lookup(kind, key);
        if (value === undefined) throw new MissingSubstitutionError(v.key, kind, key);
        if (kind.endsWith('secret')) {
          if (!maskSecrets && value !== '') secretValues.push(value);
          return maskSecrets ? SECRET_MASK : value;
        }
        return value;
      });
    env[v.key] = replace(false);
    const valueFrom = [...v.value.matchAll(SUBSTITUTION)].map((m) => ({ store: m[1] as SubstitutionKind, key: m[2]! }));
    stored.push({ key: v.key, value: replace(true), source: v.source, ...(valueFrom.length > 0 ? { valueFrom } : {}) });
  }
  return { env, stored, secretValues };
}

/**
 * The stored variables with the scheduler's secrets added (`ENV -> location`: the task's
 * `secrets`, or the keys the scheduler reported carrying them). A secret replaces a variable of
 * the same key, in its place: the scheduler's value is the one the task receives.
 */
export function withSchedulerSecrets(stored: readonly TaskVariable[], secrets: Record<string, string>): TaskVariable[] {
  const byKey = new Map(stored.map((v) => [v.key, v]));
  for (const [key, location] of Object.entries(secrets)) byKey.set(key, { key, value: SECRET_MASK, source: 'scheduler_secret', location });
  return [...byKey.values()];
}

/** Secret values a task's variables would substitute (missing ones skipped): to mask logs after a restart. */
export function secretValuesOf(merged: readonly MergedVariable[], lookup: SubstitutionLookup): string[] {
  const out: string[] = [];
  for (const v of merged) {
    if (v.source === 'system') continue;
    for (const m of v.value.matchAll(SUBSTITUTION)) {
      const kind = m[1] as SubstitutionKind;
      if (!kind.endsWith('secret')) continue;
      try {
        const value = lookup(kind, m[2]!);
        if (value) out.push(value);
      } catch {
        // A secret that cannot be read now cannot be masked either; nothing to add.
      }
    }
  }
  return out;
}
