/** The secrets area of the Gofer API: write-only values, listable keys. */
import { GoferError, type SecretsApi } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { DATABASE, type SqliteDatabase } from './database.js';
import { GROUP_COMMIT, type GroupCommit } from './group-commit.js';
import { SECRET_STORE, type SecretStore } from './secret-store.js';

/** The secrets area of the Gofer API. */
@injectable(SECRET_STORE, DATABASE, GROUP_COMMIT)
export class SecretsService implements SecretsApi {
  constructor(
    private readonly store: SecretStore,
    private readonly db: SqliteDatabase,
    private readonly group: GroupCommit,
  ) {}

  async put(scope: { pipelineId?: string }, key: string, value: string): Promise<void> {
    this.checkPipeline(scope.pipelineId);
    if (typeof value !== 'string') throw new GoferError('ERR_INVALID_ARGUMENT', 'A secret value must be a string.', { details: { field: 'value' } });
    this.store.put(scope.pipelineId, key, value);
    await this.group.durable();
  }

  async list(scope: { pipelineId?: string }): Promise<string[]> {
    this.checkPipeline(scope.pipelineId);
    return this.store.list(scope.pipelineId);
  }

  async delete(scope: { pipelineId?: string }, key: string): Promise<void> {
    if (!this.store.delete(scope.pipelineId, key)) {
      throw new GoferError(
        'ERR_NOT_FOUND',
        `There is no ${scope.pipelineId ? `secret "${key}" in pipeline "${scope.pipelineId}"` : `global secret "${key}"`}.`,
        { details: { key } },
      );
    }
  }

  private checkPipeline(pipelineId: string | undefined): void {
    if (pipelineId !== undefined && !this.db.prepare('SELECT 1 FROM pipelines WHERE pipeline_id = ?').get(pipelineId)) {
      throw new GoferError('ERR_NOT_FOUND', `There is no pipeline "${pipelineId}".`, { details: { pipelineId } });
    }
  }
}

export const SECRETS_API = token<SecretsApi>('gofer.api.secrets');
