/** Pipelines and their versions in SQLite. Synchronous: the SQLite drivers are, and callers batch. */
import { GoferError, type Clock, type PipelineConfig, type PipelineInfo, type PipelineVersion } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK } from '../kernel/tokens.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';

interface PipelineRow {
  pipeline_id: string;
  namespace: string;
  name: string;
  description: string;
  state: 'active' | 'disabled';
  live_version: number;
  latest_version: number;
  created: number;
  modified: number;
}

function toInfo(row: PipelineRow): PipelineInfo {
  return {
    pipelineId: row.pipeline_id,
    namespace: row.namespace,
    name: row.name,
    description: row.description,
    state: row.state,
    liveVersion: row.live_version,
    latestVersion: row.latest_version,
    created: row.created,
    modified: row.modified,
  };
}

/**
 * A page of pipelines as JSON text: `items` is the page's pipelines joined by commas, each as
 * `JSON.stringify` of its {@link PipelineInfo} gives it; `count` and `last` (its last id) are
 * what paging needs.
 */
export interface PipelinePageJson {
  count: number;
  last: string | undefined;
  items: string;
}

/**
 * One pipeline's PipelineInfo JSON, put together in SQLite: reading the rows into objects and
 * serializing those cost three times as much. Keys in PipelineInfo's order (`toInfo`); SQLite's
 * JSON quoting of text is JSON.stringify's, and the numbers are integer columns.
 */
const INFO_JSON = `json_object('pipelineId', pipeline_id, 'namespace', namespace, 'name', name, 'description', description, 'state', state, 'liveVersion', live_version, 'latestVersion', latest_version, 'created', created, 'modified', modified)`;
const pageSql = (where: string) =>
  `SELECT count(*) AS count, max(pipeline_id) AS last, group_concat(${INFO_JSON}, ',' ORDER BY pipeline_id) AS items FROM (SELECT * FROM pipelines WHERE ${where} ORDER BY pipeline_id LIMIT ?)`;
type PageRow = { count: number; last: string | null; items: string | null };

/** Pipelines and versions in SQLite. */
@injectable(DATABASE, CLOCK)
export class PipelineStore {
  /** Parsed configs by `pipeline/version`: versions never change once stored. */
  private readonly configs = new Map<string, PipelineConfig>();
  private readonly selectOne;
  private readonly selectConfig;
  private readonly selectPage;
  private readonly selectNamespacePage;
  private readonly pageJsonAll;
  private readonly pageJsonOfNamespace;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    this.selectOne = db.prepare<[string], PipelineRow>('SELECT * FROM pipelines WHERE pipeline_id = ?');
    this.selectConfig = db.prepare<[string, number], { config: string }>('SELECT config FROM pipeline_versions WHERE pipeline_id = ? AND version = ?');
    // Prepared once: the list is read on every `GET /api/pipelines`, and preparing cost as much as running it.
    this.selectPage = db.prepare<[string, number], PipelineRow>('SELECT * FROM pipelines WHERE pipeline_id > ? ORDER BY pipeline_id LIMIT ?');
    this.selectNamespacePage = db.prepare<[string, string, number], PipelineRow>(
      'SELECT * FROM pipelines WHERE namespace = ? AND pipeline_id > ? ORDER BY pipeline_id LIMIT ?',
    );
    this.pageJsonAll = db.prepare<[string, number], PageRow>(pageSql('pipeline_id > ?'));
    this.pageJsonOfNamespace = db.prepare<[string, string, number], PageRow>(pageSql('namespace = ? AND pipeline_id > ?'));
  }

  /** Stores `config` as the next version; the first version is deployed at once. */
  register(config: PipelineConfig, namespace: string): PipelineVersion {
    const now = this.clock.now();
    return this.db.transaction((): PipelineVersion => {
      const existing = this.selectOne.get(config.id);
      if (existing && existing.namespace !== namespace) {
        throw new GoferError('ERR_INVALID_ARGUMENT', `Pipeline "${config.id}" already exists in namespace "${existing.namespace}".`, {
          details: { field: 'namespace' },
        });
      }
      const version = (existing?.latest_version ?? 0) + 1;
      this.db
        .prepare('INSERT INTO pipeline_versions (pipeline_id, version, config, created) VALUES (?, ?, ?, ?)')
        .run(config.id, version, JSON.stringify(config), now);
      if (existing) {
        this.db.prepare('UPDATE pipelines SET latest_version = ?, modified = ? WHERE pipeline_id = ?').run(version, now, config.id);
      } else {
        this.db
          .prepare(
            "INSERT INTO pipelines (pipeline_id, namespace, name, description, state, live_version, latest_version, created, modified) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)",
          )
          .run(config.id, namespace, config.name, config.description ?? '', version, version, now, now);
      }
      const info = this.get(config.id);
      return { pipelineId: config.id, version, config, created: now, deployed: info.liveVersion === version };
    })();
  }

  /** Makes `version` live (name and description follow the live version). */
  deploy(pipelineId: string, version: number): PipelineInfo {
    const config = this.config(pipelineId, version);
    this.db
      .prepare('UPDATE pipelines SET live_version = ?, name = ?, description = ?, modified = ? WHERE pipeline_id = ?')
      .run(version, config.name, config.description ?? '', this.clock.now(), pipelineId);
    return this.get(pipelineId);
  }

  get(pipelineId: string): PipelineInfo {
    const row = this.selectOne.get(pipelineId);
    if (!row) throw noSuchPipeline(pipelineId);
    return toInfo(row);
  }

  /** At most `limit` pipelines whose id sorts after `after`, by id (of one namespace when given). */
  list(namespace: string | undefined, after = '', limit = 1000): PipelineInfo[] {
    const rows = namespace === undefined ? this.selectPage.all(after, limit) : this.selectNamespacePage.all(namespace, after, limit);
    return rows.map(toInfo);
  }

  /** The page `list` reads, as JSON text (see {@link PipelinePageJson}). */
  pageJson(namespace: string | undefined, after = '', limit = 1000): PipelinePageJson {
    const row = namespace === undefined ? this.pageJsonAll.get(after, limit) : this.pageJsonOfNamespace.get(namespace, after, limit);
    return { count: row?.count ?? 0, last: row?.last ?? undefined, items: row?.items ?? '' };
  }

  /** At most `limit` versions above `after`, oldest first. */
  versions(pipelineId: string, after = 0, limit = 1000): PipelineVersion[] {
    const info = this.get(pipelineId);
    const rows = this.db
      .prepare('SELECT version, config, created FROM pipeline_versions WHERE pipeline_id = ? AND version > ? ORDER BY version LIMIT ?')
      .all(pipelineId, after, limit) as Array<{
      version: number;
      config: string;
      created: number;
    }>;
    return rows.map((r) => ({
      pipelineId,
      version: r.version,
      config: JSON.parse(r.config) as PipelineConfig,
      created: r.created,
      deployed: r.version === info.liveVersion,
    }));
  }

  /** One version (default: the live one). */
  version(pipelineId: string, version?: number): PipelineVersion {
    const info = this.get(pipelineId);
    const v = version ?? info.liveVersion;
    const row = this.db.prepare('SELECT created FROM pipeline_versions WHERE pipeline_id = ? AND version = ?').get(pipelineId, v) as
      { created: number } | undefined;
    if (!row)
      throw new GoferError('ERR_NOT_FOUND', `Pipeline "${pipelineId}" has no version ${v} (latest: ${info.latestVersion}).`, {
        details: { pipelineId, version: v },
      });
    return { pipelineId, version: v, config: this.config(pipelineId, v), created: row.created, deployed: v === info.liveVersion };
  }

  /** The config of a version, cached. */
  config(pipelineId: string, version: number): PipelineConfig {
    const key = `${pipelineId}/${version}`;
    let config = this.configs.get(key);
    if (!config) {
      const row = this.selectConfig.get(pipelineId, version);
      if (!row) throw new GoferError('ERR_NOT_FOUND', `Pipeline "${pipelineId}" has no version ${version}.`, { details: { pipelineId, version } });
      config = JSON.parse(row.config) as PipelineConfig;
      this.configs.set(key, config);
    }
    return config;
  }

  setState(pipelineId: string, state: 'active' | 'disabled'): PipelineInfo {
    this.get(pipelineId);
    this.db.prepare('UPDATE pipelines SET state = ?, modified = ? WHERE pipeline_id = ?').run(state, this.clock.now(), pipelineId);
    return this.get(pipelineId);
  }

  /** Removes the pipeline and its versions (runs, logs and objects are removed by their owners). */
  delete(pipelineId: string): void {
    this.db.prepare('DELETE FROM pipeline_versions WHERE pipeline_id = ?').run(pipelineId);
    this.db.prepare('DELETE FROM pipelines WHERE pipeline_id = ?').run(pipelineId);
    for (const key of this.configs.keys()) if (key.startsWith(`${pipelineId}/`)) this.configs.delete(key);
  }
}

/**
 * The answer for a pipeline that does not exist. The HTTP API gives exactly this one for a
 * pipeline the caller's token may not see, so a client token cannot tell the two apart.
 */
export function noSuchPipeline(pipelineId: string): GoferError {
  return new GoferError('ERR_NOT_FOUND', `There is no pipeline "${pipelineId}". List pipelines with \`gofer pipeline list\`.`, { details: { pipelineId } });
}

export const PIPELINE_STORE = token<PipelineStore>('gofer.pipeline-store');
