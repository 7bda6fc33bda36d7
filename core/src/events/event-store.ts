/** The persisted event log: every published event is a row with an increasing id. */
import { PAGE_LIMITS, type EventQuery, type GoferEvent } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';

interface EventRow {
  id: number;
  type: string;
  at: number;
  payload: string;
}

/** The events table: append and list. */
@injectable(DATABASE, GROUP_COMMIT)
export class EventStore {
  private readonly insert;
  private readonly selectAfter;

  constructor(
    db: SqliteDatabase,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare<[string, number, string]>('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
    this.selectAfter = db.prepare<[number, number], EventRow>('SELECT id, type, at, payload FROM events WHERE id > ? ORDER BY id LIMIT ?');
  }

  /** Stores an event and returns its id. */
  append(event: Omit<GoferEvent, 'id'>): number {
    this.group.begin();
    return Number(this.insert.run(event.type, event.at, JSON.stringify(event.payload)).lastInsertRowid);
  }

  /** Events with an id greater than `query.after`, oldest first, optionally filtered by type. */
  list(query: EventQuery = {}): GoferEvent[] {
    const limit = query.limit ?? PAGE_LIMITS.events.default;
    const types = query.types && query.types.length > 0 ? new Set<string>(query.types) : undefined;
    const out: GoferEvent[] = [];
    let after = query.after ?? 0;
    // Page through so a type filter still returns up to `limit` matches.
    for (;;) {
      const rows = this.selectAfter.all(after, types ? 1000 : limit);
      for (const row of rows) {
        after = row.id;
        if (types && !types.has(row.type)) continue;
        out.push({ id: row.id, type: row.type, at: row.at, payload: JSON.parse(row.payload) as GoferEvent['payload'] } as GoferEvent);
        if (out.length >= limit) return out;
      }
      if (!types || rows.length === 0) return out;
    }
  }
}

export const EVENT_STORE = token<EventStore>('gofer.event-store');
