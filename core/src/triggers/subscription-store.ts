/**
 * Subscriptions and the events extensions started runs for, in Gofer's SQLite database (the
 * extension host's own migrations, module "extensions").
 */
import { randomBytes } from 'node:crypto';
import type { RunRef, SubscriptionInfo, TriggerPauses } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';
import { applyMigrations } from '../stores/migrations.js';

/** Never edit or reorder: append. */
export const EXTENSION_MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscriptions (
     id TEXT PRIMARY KEY,
     pipeline_id TEXT NOT NULL,
     extension TEXT NOT NULL,
     label TEXT NOT NULL,
     settings TEXT NOT NULL,
     status TEXT NOT NULL,
     status_reason TEXT,
     created INTEGER NOT NULL,
     modified INTEGER NOT NULL,
     UNIQUE (pipeline_id, extension, label)
   );
   CREATE TABLE extension_events (
     subscription_id TEXT NOT NULL,
     event_id TEXT NOT NULL,
     pipeline_id TEXT NOT NULL,
     run_id INTEGER NOT NULL,
     created INTEGER NOT NULL,
     PRIMARY KEY (subscription_id, event_id)
   );`,
  `ALTER TABLE subscriptions ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
   CREATE TABLE trigger_pauses (
     scope TEXT PRIMARY KEY,
     reason TEXT,
     since INTEGER NOT NULL
   );`,
];

/** The `trigger_pauses` scope that pauses every trigger of the instance (pipeline ids cannot be empty). */
const INSTANCE_SCOPE = '';

/** Event ids remembered per subscription: enough to cover any redelivery window. */
const EVENTS_KEPT_PER_SUBSCRIPTION = 1_000;

interface SubscriptionRow {
  id: string;
  pipeline_id: string;
  extension: string;
  label: string;
  settings: string;
  status: 'active' | 'error';
  status_reason: string | null;
  enabled: number;
  created: number;
  modified: number;
}

function toInfo(row: SubscriptionRow): SubscriptionInfo {
  return {
    subscriptionId: row.id,
    pipelineId: row.pipeline_id,
    extension: row.extension,
    label: row.label,
    settings: JSON.parse(row.settings) as Record<string, string>,
    status: row.status,
    ...(row.status_reason === null ? {} : { statusReason: row.status_reason }),
    enabled: row.enabled === 1,
    created: row.created,
    modified: row.modified,
  };
}

/** Applies its migrations when constructed; every method is synchronous (so is SQLite here). */
@injectable(DATABASE)
export class SubscriptionStore {
  constructor(private readonly db: SqliteDatabase) {
    applyMigrations(db, 'extensions', EXTENSION_MIGRATIONS);
  }

  /** Stores a new subscription as `active`; undefined when the label is taken. */
  insert(req: { pipelineId: string; extension: string; label: string; settings: Record<string, string> }): SubscriptionInfo | undefined {
    const now = Date.now();
    const id = `sub_${randomBytes(8).toString('hex')}`;
    const result = this.db
      .prepare(
        `INSERT INTO subscriptions (id, pipeline_id, extension, label, settings, status, created, modified) VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (pipeline_id, extension, label) DO NOTHING`,
      )
      .run(id, req.pipelineId, req.extension, req.label, JSON.stringify(req.settings), now, now);
    return result.changes === 0 ? undefined : this.get(id);
  }

  get(id: string): SubscriptionInfo | undefined {
    const row = this.db.prepare('SELECT * FROM subscriptions WHERE id = ?').get(id) as SubscriptionRow | undefined;
    return row && toInfo(row);
  }

  list(filter: { pipelineId?: string; extension?: string } = {}): SubscriptionInfo[] {
    const rows = this.db
      .prepare(
        'SELECT * FROM subscriptions WHERE (@pipelineId IS NULL OR pipeline_id = @pipelineId) AND (@extension IS NULL OR extension = @extension) ORDER BY pipeline_id, extension, label',
      )
      .all({ pipelineId: filter.pipelineId ?? null, extension: filter.extension ?? null }) as SubscriptionRow[];
    return rows.map(toInfo);
  }

  setStatus(id: string, status: 'active' | 'error', reason?: string): SubscriptionInfo | undefined {
    this.db.prepare('UPDATE subscriptions SET status = ?, status_reason = ?, modified = ? WHERE id = ?').run(status, reason ?? null, Date.now(), id);
    return this.get(id);
  }

  /** Sets `enabled`; undefined when there is no such subscription. */
  setEnabled(id: string, enabled: boolean): SubscriptionInfo | undefined {
    this.db.prepare('UPDATE subscriptions SET enabled = ?, modified = ? WHERE id = ?').run(enabled ? 1 : 0, Date.now(), id);
    return this.get(id);
  }

  /** Pauses the instance's triggers (no pipeline) or one pipeline's; false when already paused. */
  pause(pipelineId: string | undefined, reason: string | undefined): boolean {
    const result = this.db
      .prepare('INSERT INTO trigger_pauses (scope, reason, since) VALUES (?, ?, ?) ON CONFLICT (scope) DO NOTHING')
      .run(pipelineId ?? INSTANCE_SCOPE, reason ?? null, Date.now());
    return result.changes > 0;
  }

  /** Ends a pause; false when there was none. */
  resume(pipelineId: string | undefined): boolean {
    return this.db.prepare('DELETE FROM trigger_pauses WHERE scope = ?').run(pipelineId ?? INSTANCE_SCOPE).changes > 0;
  }

  pauses(): TriggerPauses {
    const rows = this.db.prepare('SELECT scope, reason, since FROM trigger_pauses ORDER BY scope').all() as Array<{
      scope: string;
      reason: string | null;
      since: number;
    }>;
    const result: TriggerPauses = { pipelines: [] };
    for (const row of rows) {
      const pause = { since: row.since, ...(row.reason === null ? {} : { reason: row.reason }) };
      if (row.scope === INSTANCE_SCOPE) result.instance = pause;
      else result.pipelines.push({ pipelineId: row.scope, ...pause });
    }
    return result;
  }

  /** Why a run of `pipelineId` may not be started by a trigger now, if it may not. */
  pausedBy(pipelineId: string): 'instance_paused' | 'pipeline_paused' | undefined {
    const rows = this.db.prepare('SELECT scope FROM trigger_pauses WHERE scope IN (?, ?)').all(INSTANCE_SCOPE, pipelineId) as Array<{ scope: string }>;
    if (rows.some((r) => r.scope === INSTANCE_SCOPE)) return 'instance_paused';
    return rows.length > 0 ? 'pipeline_paused' : undefined;
  }

  /** Removes the subscription and its remembered events; false when there was none. */
  delete(id: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM extension_events WHERE subscription_id = ?').run(id);
      return this.db.prepare('DELETE FROM subscriptions WHERE id = ?').run(id).changes > 0;
    })();
  }

  /** The run an earlier startRun with this event id started. */
  runForEvent(subscriptionId: string, eventId: string): RunRef | undefined {
    const row = this.db.prepare('SELECT pipeline_id, run_id FROM extension_events WHERE subscription_id = ? AND event_id = ?').get(subscriptionId, eventId) as
      { pipeline_id: string; run_id: number } | undefined;
    return row && { pipelineId: row.pipeline_id, runId: row.run_id };
  }

  /** Remembers which run an event started, forgetting the oldest beyond the per-subscription limit. */
  recordEvent(subscriptionId: string, eventId: string, run: RunRef): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO extension_events (subscription_id, event_id, pipeline_id, run_id, created) VALUES (?, ?, ?, ?, ?)')
        .run(subscriptionId, eventId, run.pipelineId, run.runId, Date.now());
      this.db
        .prepare(
          `DELETE FROM extension_events WHERE subscription_id = ? AND rowid NOT IN (SELECT rowid FROM extension_events WHERE subscription_id = ? ORDER BY created DESC, rowid DESC LIMIT ${EVENTS_KEPT_PER_SUBSCRIPTION})`,
        )
        .run(subscriptionId, subscriptionId);
    })();
  }
}

export const SUBSCRIPTION_STORE = token<SubscriptionStore>('gofer.subscription-store');
