/** The persisted event log: every published event is a row with an increasing id. */
import { PAGE_LIMITS, type EventQuery, type GoferEvent } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';

/** An event as stored: its payload is the JSON text it was appended as (`JSON.stringify`). */
export interface StoredEvent {
  id: number;
  type: string;
  at: number;
  payload: string;
}
type EventRow = StoredEvent;

/** The events table: append and list. */
@injectable(DATABASE, GROUP_COMMIT)
export class EventStore {
  private readonly insert;
  private readonly selectAfter;
  private readonly selectTypesAfter;

  constructor(
    db: SqliteDatabase,
    private readonly group: GroupCommit,
  ) {
    this.insert = db.prepare<[string, number, string]>('INSERT INTO events (type, at, payload) VALUES (?, ?, ?)');
    this.selectAfter = db.prepare<[number, number], EventRow>('SELECT id, type, at, payload FROM events WHERE id > ? ORDER BY id LIMIT ?');
    // The type filter in SQLite: rows of other types are skipped there, never read into JavaScript.
    this.selectTypesAfter = db.prepare<[number, string, number], EventRow>(
      'SELECT id, type, at, payload FROM events WHERE id > ? AND type IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?',
    );
  }

  /** Stores an event and returns its id. */
  append(event: Omit<GoferEvent, 'id'>): number {
    this.group.begin();
    return Number(this.insert.run(event.type, event.at, JSON.stringify(event.payload)).lastInsertRowid);
  }

  /** Events with an id greater than `query.after`, oldest first, optionally filtered by type. */
  list(query: EventQuery = {}): GoferEvent[] {
    return this.listStored(query).map(
      (row) => ({ id: row.id, type: row.type, at: row.at, payload: JSON.parse(row.payload) as GoferEvent['payload'] }) as GoferEvent,
    );
  }

  /** The same events with their payloads unparsed: the HTTP API splices them into its answer as they are. */
  listStored(query: EventQuery = {}): StoredEvent[] {
    const limit = query.limit ?? PAGE_LIMITS.events.default;
    const after = query.after ?? 0;
    return query.types && query.types.length > 0 ? this.selectTypesAfter.all(after, JSON.stringify(query.types), limit) : this.selectAfter.all(after, limit);
  }
}

export const EVENT_STORE = token<EventStore>('gofer.event-store');
