/** The pipelines area of the Gofer API: register, deploy, list, enable/disable, delete. */
import { inject, injectable } from 'tsyringe';
import { GoferError, type PipelineConfig, type PipelineInfo, type PipelinesApi, type PipelineVersion } from '../api/index.js';
import type { EventBus } from '../events/event-bus.js';
import { EVENT_BUS, GROUP_COMMIT, LOG_STORE, OBJECT_STORE, ORCHESTRATOR, PIPELINE_STORE, RUN_STORE, RUN_TOKENS, SECRET_STORE } from '../kernel/tokens.js';
import type { LogStore } from '../runs/log-store.js';
import type { Orchestrator } from '../runs/orchestrator.js';
import type { RunStore } from '../runs/run-store.js';
import type { RunTokens } from '../runs/run-tokens.js';
import type { GroupCommit } from '../stores/group-commit.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { SecretStore } from '../stores/secret-store.js';
import type { PipelineStore } from './pipeline-store.js';
import { validatePipelineConfig } from './validate-config.js';

/** The namespace pipelines go to when none is given. */
export const DEFAULT_NAMESPACE = 'default';

/** The pipelines area of the Gofer API (PIPELINES_API). */
@injectable()
export class PipelinesService implements PipelinesApi {
  constructor(
    @inject(PIPELINE_STORE) private readonly store: PipelineStore,
    @inject(RUN_STORE) private readonly runs: RunStore,
    @inject(ORCHESTRATOR) private readonly orchestrator: Orchestrator,
    @inject(LOG_STORE) private readonly logs: LogStore,
    @inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @inject(SECRET_STORE) private readonly secrets: SecretStore,
    @inject(RUN_TOKENS) private readonly tokens: RunTokens,
    @inject(EVENT_BUS) private readonly bus: EventBus,
    @inject(GROUP_COMMIT) private readonly group: GroupCommit,
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

  async list(opts: { namespace?: string } = {}): Promise<PipelineInfo[]> {
    return this.store.list(opts.namespace);
  }

  async get(pipelineId: string): Promise<PipelineInfo> {
    return this.store.get(pipelineId);
  }

  async versions(pipelineId: string): Promise<PipelineVersion[]> {
    return this.store.versions(pipelineId);
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
    this.store.get(pipelineId);
    this.store.setState(pipelineId, 'disabled');
    const unfinished = this.runs.unfinishedRuns().filter((r) => r.pipelineId === pipelineId);
    for (const run of unfinished) this.orchestrator.cancel(pipelineId, run.runId);
    await Promise.all(unfinished.filter((r) => this.orchestrator.isActive(pipelineId, r.runId)).map((r) => this.orchestrator.wait(pipelineId, r.runId)));
    if (this.runs.unfinishedRuns().some((r) => r.pipelineId === pipelineId)) {
      throw new GoferError('ERR_INTERNAL', `Pipeline "${pipelineId}" still has unfinished runs; try again.`);
    }
    this.runs.deletePipeline(pipelineId);
    this.objects.deletePipeline(pipelineId);
    this.secrets.deletePipeline(pipelineId);
    this.tokens.deletePipeline(pipelineId);
    this.store.delete(pipelineId);
    this.logs.deletePipeline(pipelineId);
    this.bus.publish('pipeline.deleted', { pipelineId });
    await this.group.durable();
  }
}
