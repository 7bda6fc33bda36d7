/**
 * A task's environment: three sources merged, most important first (pipeline config > run
 * runtime variables > system), then substitutions resolved from the stores; the task's
 * `secrets`, which the scheduler resolves, are listed beside them.
 */
import { SECRET_MASK, type SubstitutionStore, type TaskConfig, type TaskVariable, type VariableSource } from '../api/index.js';
import { OUTPUT_REFERENCE } from '../pipelines/output-references.js';

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
  /** A matrix combination's values: above the runtime variables, below the task's own (registration refuses a clash). */
  matrixValues?: Record<string, string>;
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
  if (inputs.matrixValues) put('matrix', inputs.matrixValues);
  put('pipeline_config', inputs.task.variables ?? {});
  return [...merged.values()];
}

/** The four substitution kinds: `pipeline_secret{{KEY}}` and friends. */
export type SubstitutionKind = SubstitutionStore;

const STORE_SUBSTITUTION = /(pipeline_secret|global_secret|pipeline_object|run_object)\{\{([A-Za-z0-9_.-]+)\}\}/g;
/**
 * Store substitutions and references to ancestors' outputs, in one pass: a value substituted
 * in is never read again, so an output that reads `pipeline_secret{{x}}` stays that text.
 */
const SUBSTITUTION = new RegExp(`${STORE_SUBSTITUTION.source}|${OUTPUT_REFERENCE.source}`, 'g');

/** The stores a substitution reads (outputs are looked up by {@link OutputLookup}). */
export type StoreSubstitutionKind = Exclude<SubstitutionKind, 'task_output'>;

/** Looks up one substitution; undefined when the key is missing. */
export type SubstitutionLookup = (kind: StoreSubstitutionKind, key: string) => string | undefined;

/** Looks up an ancestor's output; undefined when it wrote no such key. */
export type OutputLookup = (taskId: string, key: string) => { value: string; secret: boolean } | undefined;

/** One substitution in a value: a store and key, or an output of an ancestor. */
type Match = { kind: StoreSubstitutionKind; key: string } | { kind: 'task_output'; taskId: string; key: string };

function matchOf(m: RegExpMatchArray | string[]): Match {
  if (m[1] !== undefined) return { kind: m[1] as StoreSubstitutionKind, key: m[2]! };
  return { kind: 'task_output', taskId: m[3]!, key: m[4]! };
}

/** The environment to send, the variables to store (secrets masked), the secret values to mask in logs. */
export interface ResolvedVariables {
  env: Record<string, string>;
  stored: TaskVariable[];
  secretValues: string[];
}

/** Thrown when a variable refers to an output its ancestor did not write. */
export class MissingOutputError extends Error {
  constructor(
    readonly variable: string,
    readonly taskId: string,
    readonly key: string,
  ) {
    super(
      `variable ${variable} refers to tasks.${taskId}.outputs.${key}, which task "${taskId}" did not write; write \`${key}=value\` to "$GOFER_OUTPUT" in that task, or fix the variable`,
    );
  }
}

/** Thrown (as a plain value) when a substitution key is missing. */
export class MissingSubstitutionError extends Error {
  constructor(
    readonly variable: string,
    readonly kind: StoreSubstitutionKind,
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
export function resolveVariables(merged: readonly MergedVariable[], lookup: SubstitutionLookup, outputs: OutputLookup = () => undefined): ResolvedVariables {
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
    const valueFrom: NonNullable<TaskVariable['valueFrom']> = [];
    let shown = '';
    let last = 0;
    const sent = v.value.replace(SUBSTITUTION, (whole: string, ...groups: string[]) => {
      const offset = groups[4] as unknown as number;
      const match = matchOf([whole, ...groups.slice(0, 4)]);
      let value: string;
      let secret: boolean;
      if (match.kind === 'task_output') {
        const output = outputs(match.taskId, match.key);
        if (output === undefined) throw new MissingOutputError(v.key, match.taskId, match.key);
        ({ value, secret } = output);
        valueFrom.push({ store: 'task_output', key: `${match.taskId}.${match.key}` });
      } else {
        const found = lookup(match.kind, match.key);
        if (found === undefined) throw new MissingSubstitutionError(v.key, match.kind, match.key);
        value = found;
        secret = match.kind.endsWith('secret');
        valueFrom.push({ store: match.kind, key: match.key });
      }
      if (secret && value !== '') secretValues.push(value);
      shown += v.value.slice(last, offset) + (secret ? SECRET_MASK : value);
      last = offset + whole.length;
      return value;
    });
    shown += v.value.slice(last);
    env[v.key] = sent;
    stored.push({ key: v.key, value: shown, source: v.source, ...(valueFrom.length > 0 ? { valueFrom } : {}) });
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
export function secretValuesOf(merged: readonly MergedVariable[], lookup: SubstitutionLookup, outputs: OutputLookup = () => undefined): string[] {
  const out: string[] = [];
  for (const v of merged) {
    if (v.source === 'system') continue;
    for (const m of v.value.matchAll(SUBSTITUTION)) {
      const match = matchOf(m);
      try {
        if (match.kind === 'task_output') {
          const output = outputs(match.taskId, match.key);
          if (output?.secret && output.value) out.push(output.value);
          continue;
        }
        if (!match.kind.endsWith('secret')) continue;
        const value = lookup(match.kind, match.key);
        if (value) out.push(value);
      } catch {
        // A secret that cannot be read now cannot be masked either; nothing to add.
      }
    }
  }
  return out;
}
