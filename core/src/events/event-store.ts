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

/** One stored event's JSON, as `JSON.stringify` of the event gives it (the stored payload text spliced in; EVENT_JSON is the same in SQL). */
export const storedEventJson = (e: StoredEvent): string => `{"id":${e.id},"type":${JSON.stringify(e.type)},"at":${e.at},"payload":${e.payload}}`;

/**
 * A page of events as JSON text: `items` is the page's events joined by commas, each as
 * `JSON.stringify` of the event gives it (`{"id","type","at","payload"}`, the stored payload
 * text spliced in); `count` and `last` (its last id) are what paging needs.
 */
export interface EventPageJson {
  count: number;
  last: number | undefined;
  items: string;
}

/**
 * One event's JSON put together in SQLite: reading 433 rows into JavaScript objects cost three
 * times what concatenating them there does. `id` and `at` are integers (their text is what JSON
 * gives them), the type is quoted as JSON.
 */
const EVENT_JSON = `'{"id":' || id || ',"type":' || json_quote(type) || ',"at":' || at || ',"payload":' || payload || '}'`;
const pageSql = (where: string) =>
  `SELECT count(*) AS count, max(id) AS last, group_concat(${EVENT_JSON}, ',' ORDER BY id) AS items FROM (SELECT id, type, at, payload FROM events WHERE ${where} ORDER BY id LIMIT ?)`;

/** The events table: append and list. */
@injectable(DATABASE, GROUP_COMMIT)
export class EventStore {
  private readonly insert;
  private readonly selectAfter;
  private readonly selectTypesAfter;
  private readonly pageAfter;
  private readonly pageTypesAfter;

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
    type PageRow = { count: number; last: number | null; items: string | null };
    this.pageAfter = db.prepare<[number, number], PageRow>(pageSql('id > ?'));
    this.pageTypesAfter = db.prepare<[number, string, number], PageRow>(pageSql('id > ? AND type IN (SELECT value FROM json_each(?))'));
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

  /** The page `listStored` reads, as JSON text (see {@link EventPageJson}). */
  pageJson(query: EventQuery = {}): EventPageJson {
    const limit = query.limit ?? PAGE_LIMITS.events.default;
    const after = query.after ?? 0;
    const row = query.types && query.types.length > 0 ? this.pageTypesAfter.get(after, JSON.stringify(query.types), limit) : this.pageAfter.get(after, limit);
    return { count: row?.count ?? 0, last: row?.last ?? undefined, items: row?.items ?? '' };
  }
}

export const EVENT_STORE = token<EventStore>('gofer.event-store');
