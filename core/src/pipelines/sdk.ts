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
import { RequiredParentStatus, type ConcurrencyConfig, type PipelineConfig, type RemoveAfterExit, type TaskConfig } from '../api/index.js';
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
  /** Credentials for a private registry. */
  registryAuth(user: string, pass: string): this {
    this.config.registryAuth = { user, pass };
    return this;
  }
  /** The task's config (unvalidated on its own: the pipeline validates it). */
  toJSON(): TaskConfig {
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
  /**
   * Puts the runs in a concurrency group shared by every pipeline using the same (resolved) name:
   * `group` may use runtime variables as `{{NAME}}`; `limit` defaults to 1, `mode` to `queue`.
   */
  concurrency(group: string, opts: { limit?: number; mode?: ConcurrencyConfig['mode'] } = {}): this {
    this.config.concurrency = { group, ...(opts.limit !== undefined ? { limit: opts.limit } : {}), ...(opts.mode ? { mode: opts.mode } : {}) };
    return this;
  }
  /** Adds tasks (call several times to add more). */
  tasks(...tasks: Array<Task | TaskConfig>): this {
    this.config.tasks.push(...tasks.map((t) => (t instanceof Task ? t.toJSON() : structuredClone(t))));
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
