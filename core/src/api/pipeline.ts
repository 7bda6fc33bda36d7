/**
 * The pipeline config: what a pipeline author writes (directly as JSON, or through the SDK's
 * `Pipeline` and `Task` builders). Validated by the JSON Schema in `pipelines/schema.ts`.
 */

/** What a task requires of a parent before it may start. */
export enum RequiredParentStatus {
  /** The parent finished in any way: successful, failed or skipped. */
  Any = 'any',
  /** The parent finished successfully. */
  Success = 'success',
  /** The parent failed. */
  Failure = 'failure',
}

/** One task: a container image plus a command. */
export interface TaskConfig {
  /** Unique within the pipeline: 3-32 of `[a-zA-Z0-9_-]`. */
  id: string;
  image: string;
  description?: string;
  /** `parentTaskId -> what the parent must have done`. */
  dependsOn?: Record<string, `${RequiredParentStatus}`>;
  /** Pipeline-config variables: the most important source. Values may use substitutions. */
  variables?: Record<string, string>;
  /** `ENV_NAME -> scheduler-specific location`; passed to the scheduler untouched. */
  secrets?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  registryAuth?: { user: string; pass: string };
  alwaysPull?: boolean;
  /** Give the task a `GOFER_API_TOKEN` scoped to this pipeline, revoked when the run ends. */
  injectApiToken?: boolean;
  /** Fail the task with reason `timeout` when it runs longer. 0 or absent: no limit. */
  timeoutMs?: number;
}

/** A pipeline: a set of tasks run as a DAG. */
export interface PipelineConfig {
  /** 3-32 of `[a-zA-Z0-9_-]`. */
  id: string;
  name: string;
  description?: string;
  /** How many runs of this pipeline may be running at once; 0 = unlimited. */
  parallelism?: number;
  tasks: TaskConfig[];
}
