/**
 * The pipeline SDK: builders shaped like the original Go SDK. `build()` (and `toJSON()`)
 * return the config validated against the schema and the DAG rules.
 *
 * ```ts
 * new Pipeline('hello', 'Hello pipeline').description('Says hello').parallelism(2).tasks(
 *   new Task('simple_task', 'gofer-test/busybox:latest').description('Prints a greeting')
 *     .command('echo', 'Hello from Gofer!').variable('LOG_LEVEL', 'info'),
 * ).build();
 * ```
 */
import {
  RequiredParentStatus,
  type AnyTaskConfig,
  type ApprovalTaskConfig,
  type ApproversConfig,
  type ConcurrencyConfig,
  type MatrixConfig,
  type PipelineConfig,
  type RemoveAfterExit,
  type RetryPolicy,
  type TaskConfig,
} from '../api/index.js';
import { validatePipelineConfig } from './validate-config.js';

/** Builds one task of a pipeline. Every setter returns the task, for chaining. */
export class Task {
  private readonly config: TaskConfig;

  constructor(id: string, image: string) {
    this.config = { id, image };
  }

  /** A human description, shown in listings. */
  description(text: string): this {
    this.config.description = text;
    return this;
  }
  /** Replaces the image's command. */
  command(...args: string[]): this {
    this.config.command = args;
    return this;
  }
  /** Replaces the image's entrypoint. */
  entrypoint(...args: string[]): this {
    this.config.entrypoint = args;
    return this;
  }
  /** One pipeline-config variable (the most important source); the value may use substitutions. */
  variable(key: string, value: string): this {
    this.config.variables = { ...this.config.variables, [key]: value };
    return this;
  }
  /** Several pipeline-config variables. */
  variables(vars: Record<string, string>): this {
    this.config.variables = { ...this.config.variables, ...vars };
    return this;
  }
  /** A secret the scheduler resolves: `envName -> scheduler-specific location`. */
  secret(envName: string, location: string): this {
    this.config.secrets = { ...this.config.secrets, [envName]: location };
    return this;
  }
  /** Runs after `taskId`, when it ended as `status` requires (default: success). */
  dependsOn(taskId: string, status: RequiredParentStatus = RequiredParentStatus.Success): this {
    this.config.dependsOn = { ...this.config.dependsOn, [taskId]: status };
    return this;
  }
  /** Gives the task a `GOFER_API_TOKEN` scoped to the pipeline, revoked when the run ends. */
  injectApiToken(inject = true): this {
    this.config.injectApiToken = inject;
    return this;
  }
  /** Fails the task with reason `timeout` when it runs longer than `ms`. */
  timeoutMs(ms: number): this {
    this.config.timeoutMs = ms;
    return this;
  }
  /**
   * Retries the task automatically: up to `limit` more attempts, the n-th waiting
   * `backoffMs * factor^(n-1)` ms, when an attempt ends with one of `on` (default all four reasons).
   */
  retries(policy: RetryPolicy): this {
    this.config.retries = structuredClone(policy);
    return this;
  }
  /** Pulls the image even when it is present locally. */
  alwaysPull(always = true): this {
    this.config.alwaysPull = always;
    return this;
  }
  /** When the core removes this task's container after it ends (default: the config's `removeAfterExit`). */
  removeAfterExit(policy: RemoveAfterExit): this {
    this.config.removeAfterExit = policy;
    return this;
  }
  /**
   * Runs the task once per combination of the axes' values (`{ NODE: ['18', '20'] }`), each
   * combination seeing its values as variables; `include`, `exclude`, `maxParallel` and
   * `failFast` (default true) as in {@link MatrixConfig}.
   */
  matrix(matrix: MatrixConfig): this {
    this.config.matrix = structuredClone(matrix);
    return this;
  }
  /**
   * Runs the task only when `expression` (CEL) is true, for example
   * `GIT_BRANCH == 'main' && tasks.test.status == 'successful'`; false skips it (`condition_false`).
   */
  when(expression: string): this {
    this.config.when = expression;
    return this;
  }
  /** The task may fail without failing the run; its dependents still see it `failed`. */
  allowFailure(allow = true): this {
    this.config.allowFailure = allow;
    return this;
  }
  /** Credentials for a private registry. */
  registryAuth(user: string, pass: string): this {
    this.config.registryAuth = { user, pass };
    return this;
  }
  /** An approval gate (same as `new ApprovalTask(id, message)`). */
  static approval(id: string, message: string): ApprovalTask {
    return new ApprovalTask(id, message);
  }
  /** The task's config (unvalidated on its own: the pipeline validates it). */
  toJSON(): TaskConfig {
    return structuredClone(this.config);
  }
}

/**
 * Builds an approval gate: a task that runs no container; the run waits there until an allowed
 * approver approves (the task succeeds) or rejects it, or the timeout passes (it fails).
 *
 * ```ts
 * new ApprovalTask('go_live', 'Deploy to production?').dependsOn('build').approvers({ namespaces: ['release'] }).timeoutMs(3_600_000)
 * ```
 */
export class ApprovalTask {
  private readonly config: ApprovalTaskConfig;

  constructor(id: string, message: string) {
    this.config = { id, kind: 'approval', message };
  }

  /** What the approver is asked. */
  message(text: string): this {
    this.config.message = text;
    return this;
  }
  /** A human description, shown in listings. */
  description(text: string): this {
    this.config.description = text;
    return this;
  }
  /** Waits for `taskId` to end as `status` requires (default: success) before asking. */
  dependsOn(taskId: string, status: RequiredParentStatus = RequiredParentStatus.Success): this {
    this.config.dependsOn = { ...this.config.dependsOn, [taskId]: status };
    return this;
  }
  /** Who may decide: token kinds and client-token namespaces (default: anyone who may act on the pipeline). */
  approvers(approvers: ApproversConfig): this {
    this.config.approvers = structuredClone(approvers);
    return this;
  }
  /** Asks only when `expression` (CEL) is true; false skips the gate (`condition_false`). */
  when(expression: string): this {
    this.config.when = expression;
    return this;
  }
  /** Fails the task with reason `timeout` when nobody decided within `ms` of it starting to wait. */
  timeoutMs(ms: number): this {
    this.config.timeoutMs = ms;
    return this;
  }
  /** The task's config (unvalidated on its own: the pipeline validates it). */
  toJSON(): ApprovalTaskConfig {
    return structuredClone(this.config);
  }
}

/** Builds a pipeline config. */
export class Pipeline {
  private readonly config: PipelineConfig;

  constructor(id: string, name: string) {
    this.config = { id, name, tasks: [] };
  }

  description(text: string): this {
    this.config.description = text;
    return this;
  }
  /** How many runs may run at once; 0 = unlimited. */
  parallelism(n: number): this {
    this.config.parallelism = n;
    return this;
  }
  /** Cancels a run (reason `timeout`) that runs longer than `ms`; 0 = no limit. A run may set its own at start. */
  timeoutMs(ms: number): this {
    this.config.timeoutMs = ms;
    return this;
  }

  /**
   * Puts the runs in a concurrency group shared by every pipeline using the same (resolved) name:
   * `group` may use runtime variables as `{{NAME}}`; `limit` defaults to 1, `mode` to `queue`.
   */
  concurrency(group: string, opts: { limit?: number; mode?: ConcurrencyConfig['mode'] } = {}): this {
    this.config.concurrency = { group, ...(opts.limit !== undefined ? { limit: opts.limit } : {}), ...(opts.mode ? { mode: opts.mode } : {}) };
    return this;
  }
  /** Gives every task of a run the same directory, `/workspace` (`$GOFER_WORKSPACE`), removed when the run ends. */
  workspace(shared = true): this {
    this.config.workspace = shared;
    return this;
  }
  /** Adds tasks (call several times to add more). */
  tasks(...tasks: Array<Task | ApprovalTask | AnyTaskConfig>): this {
    this.config.tasks.push(...tasks.map((t) => (t instanceof Task || t instanceof ApprovalTask ? t.toJSON() : structuredClone(t))));
    return this;
  }
  /** The validated config; throws ERR_PIPELINE_INVALID listing every problem with its path. */
  build(): PipelineConfig {
    return validatePipelineConfig(structuredClone(this.config));
  }
  /** Same as {@link build}: `JSON.stringify(pipeline)` yields the validated config. */
  toJSON(): PipelineConfig {
    return this.build();
  }
}
