/** The persisted event log: every published event is a row with an increasing id. */
import type { Database } from 'better-sqlite3';
import type { EventQuery, GoferEvent } from '../api/index.js';

interface EventRow {
  id: number;
  type: string;
  at: number;
  payload: string;
}

export class EventStore {
  private readonly insert;
  private readonly selectAfter;

  constructor(private readonly db: Database) {
    this.insert = db.prepare<[string, number, string]>('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
    this.selectAfter = db.prepare<[number, number], EventRow>('SELECT id, type, at, payload FROM events WHERE id > ? ORDER BY id LIMIT ?');
  }

  /** Stores an event and returns its id. */
  append(event: Omit<GoferEvent, 'id'>): number {
    return Number(this.insert.run(event.type, event.at, JSON.stringify(event.payload)).lastInsertRowid);
  }

  /** Events with an id greater than `query.after`, oldest first, optionally filtered by type. */
  list(query: EventQuery = {}): GoferEvent[] {
    const limit = query.limit ?? 1000;
    const types = query.types && query.types.length > 0 ? new Set<string>(query.types) : undefined;
    const out: GoferEvent[] = [];
    let after = query.after ?? 0;
    // Page through so a type filter still returns up to `limit` matches.
    for (;;) {
      const rows = this.selectAfter.all(after, types ? 1000 : limit);
      for (const row of rows) {
        after = row.id;
        if (types && !types.has(row.type)) continue;
        out.push({ id: row.id, type: row.type, at: row.at, payload: JSON.parse(row.payload) } as GoferEvent);
        if (out.length >= limit) return out;
      }
      if (!types || rows.length === 0) return out;
    }
  }

  /** Drops events older than `id` (events of deleted pipelines stay until trimmed: an audit trail). */
  trimBefore(id: number): void {
    this.db.prepare('DELETE FROM events WHERE id < ?').run(id);
  }
}
