/**
 * Pipeline objects (capped per pipeline: the oldest is evicted, with an `object.evicted` event)
 * and run objects (kept for the `runObjectExpiry` most recent runs of a pipeline). Implements
 * the objects area of the Gofer API.
 */
import { GoferError, type GoferConfig, type ObjectsApi } from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { CONFIG } from '../kernel/tokens.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';
import { checkStoreKey } from '../stores/store-keys.js';

/** The run id column's value for pipeline objects. */
const PIPELINE_SCOPE = 0;

type Scope = { pipelineId: string; runId?: number };

/** Pipeline and run objects; also the objects area of the Gofer API. */
@injectable(DATABASE, CONFIG, EVENT_BUS, GROUP_COMMIT)
export class ObjectStore implements ObjectsApi {
  private readonly selectOne;
  private readonly deleteOne;
  private readonly insert;
  private readonly expire;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly config: GoferConfig,
    private readonly bus: EventBus,
    private readonly group: GroupCommit,
  ) {
    this.selectOne = db.prepare<[string, number, string], { value: Buffer }>('SELECT value FROM objects WHERE pipeline_id = ? AND run_id = ? AND key = ?');
    this.deleteOne = db.prepare('DELETE FROM objects WHERE pipeline_id = ? AND run_id = ? AND key = ?');
    this.insert = db.prepare('INSERT INTO objects (pipeline_id, run_id, key, value, created) VALUES (?, ?, ?, ?, ?)');
    this.expire = db.prepare('DELETE FROM objects WHERE pipeline_id = ? AND run_id != 0 AND run_id <= ?');
  }

  async put(scope: Scope, key: string, value: Uint8Array): Promise<void> {
    checkStoreKey('object', key);
    this.checkScope(scope);
    const runId = scope.runId ?? PIPELINE_SCOPE;
    const evicted: string[] = [];
    this.db.transaction(() => {
      // Delete then insert: a replaced object counts as the newest.
      this.deleteOne.run(scope.pipelineId, runId, key);
      this.insert.run(scope.pipelineId, runId, key, Buffer.from(value), Date.now());
      if (runId !== PIPELINE_SCOPE) return;
      const over = this.db
        .prepare('SELECT seq, key FROM objects WHERE pipeline_id = ? AND run_id = 0 ORDER BY seq DESC LIMIT -1 OFFSET ?')
        .all(scope.pipelineId, this.config.pipelineObjectLimit) as Array<{ seq: number; key: string }>;
      for (const row of over) {
        this.db.prepare('DELETE FROM objects WHERE seq = ?').run(row.seq);
        evicted.push(row.key);
      }
    })();
    for (const k of evicted) this.bus.publish('object.evicted', { pipelineId: scope.pipelineId, key: k });
    await this.group.durable();
  }

  async get(scope: Scope, key: string): Promise<Uint8Array> {
    const value = this.read(scope.pipelineId, scope.runId, key);
    if (value === undefined) throw new GoferError('ERR_NOT_FOUND', `No object "${key}" in ${describe(scope)}.`, { details: { key } });
    return value;
  }

  async list(scope: Scope): Promise<string[]> {
    return (
      this.db
        .prepare('SELECT key FROM objects WHERE pipeline_id = ? AND run_id = ? ORDER BY seq')
        .all(scope.pipelineId, scope.runId ?? PIPELINE_SCOPE) as Array<{ key: string }>
    ).map((r) => r.key);
  }

  async delete(scope: Scope, key: string): Promise<void> {
    if (this.deleteOne.run(scope.pipelineId, scope.runId ?? PIPELINE_SCOPE, key).changes === 0) {
      throw new GoferError('ERR_NOT_FOUND', `No object "${key}" in ${describe(scope)}.`, { details: { key } });
    }
  }

  /** The object's bytes, or undefined. Synchronous: used by substitution. */
  read(pipelineId: string, runId: number | undefined, key: string): Buffer | undefined {
    return this.selectOne.get(pipelineId, runId ?? PIPELINE_SCOPE, key)?.value;
  }

  /** Drops the run objects of runs older than the `runObjectExpiry` most recent ones. */
  expireRunObjects(pipelineId: string, newestRunId: number): void {
    this.expire.run(pipelineId, newestRunId - this.config.runObjectExpiry);
  }

  /** Removes every object of a pipeline (when the pipeline is deleted). */
  deletePipeline(pipelineId: string): void {
    this.db.prepare('DELETE FROM objects WHERE pipeline_id = ?').run(pipelineId);
  }

  private checkScope(scope: Scope): void {
    const exists =
      scope.runId === undefined
        ? this.db.prepare('SELECT 1 FROM pipelines WHERE pipeline_id = ?').get(scope.pipelineId)
        : this.db.prepare('SELECT 1 FROM runs WHERE pipeline_id = ? AND run_id = ?').get(scope.pipelineId, scope.runId);
    if (!exists) throw new GoferError('ERR_NOT_FOUND', `There is no ${describe(scope)}.`, { details: { ...scope } });
  }
}

function describe(scope: Scope): string {
  return scope.runId === undefined ? `pipeline "${scope.pipelineId}"` : `run ${scope.runId} of pipeline "${scope.pipelineId}"`;
}

export const OBJECT_STORE = token<ObjectStore>('gofer.object-store');
/** The objects area of the Gofer API: the object store itself. */
export const OBJECTS_API = token<ObjectsApi>('gofer.api.objects');
