/** The pipelines area of the Gofer API: register, deploy, list, enable/disable, delete. */
import {
  GoferError,
  type PipelineConfig,
  type PipelineInfo,
  type PipelineListOptions,
  type PipelinesApi,
  type PipelineVersion,
  type VersionListOptions,
} from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { numericCursor, pageLimit } from '../kernel/paging.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { OBJECT_STORE, type ObjectStore } from '../objects/object-store.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';
import { SECRET_STORE, type SecretStore } from '../stores/secret-store.js';
import { PIPELINE_STORE, type PipelinePageJson, type PipelineStore } from './pipeline-store.js';
import { validatePipelineConfig } from './validate-config.js';

/** The namespace pipelines go to when none is given. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * What deleting a pipeline needs from the runs module. Runs sit above pipelines (a run uses its
 * pipeline's config), so the runs module implements this and registers it under PIPELINE_RUNS.
 */
export interface PipelineRuns {
  /** Cancels the pipeline's unfinished runs and resolves once none is running. */
  stopAll(pipelineId: string): Promise<void>;
  /** Removes every run, task execution and run token of the pipeline. */
  deleteAll(pipelineId: string): void;
}

export const PIPELINE_RUNS = token<PipelineRuns>('gofer.pipeline-runs');

/** The pipelines area of the Gofer API. */
@injectable(PIPELINE_STORE, PIPELINE_RUNS, LOG_STORE, OBJECT_STORE, SECRET_STORE, EVENT_BUS, GROUP_COMMIT)
export class PipelinesService implements PipelinesApi {
  constructor(
    private readonly store: PipelineStore,
    private readonly runs: PipelineRuns,
    private readonly logs: LogStore,
    private readonly objects: ObjectStore,
    private readonly secrets: SecretStore,
    private readonly bus: EventBus,
    private readonly group: GroupCommit,
  ) {}

  async register(config: PipelineConfig, opts: { namespace?: string } = {}): Promise<PipelineVersion> {
    const valid = validatePipelineConfig(config);
    const version = this.store.register(structuredClone(valid), opts.namespace ?? DEFAULT_NAMESPACE);
    this.bus.publish('pipeline.registered', { pipelineId: valid.id, version: version.version });
    if (version.deployed) this.bus.publish('pipeline.deployed', { pipelineId: valid.id, version: version.version });
    await this.group.durable();
    return version;
  }

  async deploy(pipelineId: string, version: number): Promise<PipelineInfo> {
    const info = this.store.deploy(pipelineId, version);
    this.bus.publish('pipeline.deployed', { pipelineId, version });
    await this.group.durable();
    return info;
  }

  async list(opts: PipelineListOptions = {}): Promise<PipelineInfo[]> {
    return this.store.list(opts.namespace, opts.after, checkedLimit(opts));
  }

  /** The same page as JSON text, put together in SQLite (checked the same way). */
  pageJson(opts: PipelineListOptions = {}): PipelinePageJson {
    return this.store.pageJson(opts.namespace, opts.after, checkedLimit(opts));
  }

  async get(pipelineId: string): Promise<PipelineInfo> {
    return this.store.get(pipelineId);
  }

  async versions(pipelineId: string, opts: VersionListOptions = {}): Promise<PipelineVersion[]> {
    const limit = pageLimit('versions', opts.limit);
    return this.store.versions(pipelineId, numericCursor('after', opts.after), limit);
  }

  async getVersion(pipelineId: string, version?: number): Promise<PipelineVersion> {
    return this.store.version(pipelineId, version);
  }

  async enable(pipelineId: string): Promise<PipelineInfo> {
    const info = this.store.setState(pipelineId, 'active');
    this.bus.publish('pipeline.enabled', { pipelineId });
    await this.group.durable();
    return info;
  }

  async disable(pipelineId: string): Promise<PipelineInfo> {
    const info = this.store.setState(pipelineId, 'disabled');
    this.bus.publish('pipeline.disabled', { pipelineId });
    await this.group.durable();
    return info;
  }

  /** Cancels the pipeline's unfinished runs, waits for them, then removes everything it owns. */
  async delete(pipelineId: string): Promise<void> {
    const { state } = this.store.get(pipelineId);
    this.store.setState(pipelineId, 'disabled');
    try {
      await this.runs.stopAll(pipelineId);
    } catch (err) {
      this.store.setState(pipelineId, state); // not deleted: it stays as it was
      throw err;
    }
    this.runs.deleteAll(pipelineId);
    this.objects.deletePipeline(pipelineId);
    this.secrets.deletePipeline(pipelineId);
    this.store.delete(pipelineId);
    this.logs.deletePipeline(pipelineId);
    this.bus.publish('pipeline.deleted', { pipelineId });
    await this.group.durable();
  }
}

/** The page size of a list call, once its options are checked (the typed API is called with no schema in front of it). */
function checkedLimit(opts: PipelineListOptions): number {
  const limit = pageLimit('pipelines', opts.limit);
  if (opts.after !== undefined && typeof opts.after !== 'string')
    throw new GoferError('ERR_INVALID_ARGUMENT', 'The cursor `after` must be a pipeline id.', { details: { field: 'after' } });
  return limit;
}

export const PIPELINES_API = token<PipelinesService>('gofer.api.pipelines');
