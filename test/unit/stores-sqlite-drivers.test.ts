/**
 * The store interface behaves the same on every SQLite driver this Node can load (node:sqlite on
 * Node 22.16+ and 24, better-sqlite3 on Node 20, both where both load): rows, BLOBs, parameters,
 * nested transactions, pragmas, close. And the choice of driver per runtime, with its override.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError, memoryLogger } from '@gofer/core';
import { GroupCommit } from '../../core/src/stores/group-commit.js';
import { openDatabase } from '../../core/src/stores/open-database.js';
import type { SqliteDatabase, SqliteDriverName } from '../../core/src/stores/sqlite-database.js';
import { openSqlite, sqliteDriverName } from '../../core/src/stores/sqlite-drivers.js';
import { ROOT } from '../integration/service-harness.js';

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const expected: SqliteDriverName = major >= 24 || (major === 22 && minor >= 16) ? 'node:sqlite' : 'better-sqlite3';

function loads(driver: SqliteDriverName): boolean {
  try {
    openSqlite(':memory:', { driver }).close();
    return true;
  } catch {
    return false;
  }
}
const drivers = (['node:sqlite', 'better-sqlite3'] as const).filter(loads);

test(`Node ${process.versions.node} runs on ${expected}`, () => {
  assert.is(sqliteDriverName({}), expected);
  assert.ok(drivers.includes(expected), `${expected} loads`);
  assert.is(openSqlite(':memory:').driver, expected);
});

test('GOFER_SQLITE_DRIVER: an unknown name, or a driver this Node cannot run, is refused with a code', () => {
  const refused = (env: NodeJS.ProcessEnv) => {
    try {
      sqliteDriverName(env);
      return undefined;
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_SQLITE_DRIVER_UNAVAILABLE'), String(err));
      return (err as Error).message;
    }
  };
  assert.match(refused({ GOFER_SQLITE_DRIVER: 'sqlite3' }) ?? '', /use one of node:sqlite, better-sqlite3/);
  assert.is(sqliteDriverName({ GOFER_SQLITE_DRIVER: 'better-sqlite3' }), 'better-sqlite3');
  if (expected === 'node:sqlite') assert.is(sqliteDriverName({ GOFER_SQLITE_DRIVER: 'node:sqlite' }), 'node:sqlite');
  else assert.match(refused({ GOFER_SQLITE_DRIVER: 'node:sqlite' }) ?? '', /needs Node 22\.16\+ or 24/);
  if (major >= 24 && !drivers.includes('better-sqlite3')) {
    // better-sqlite3 12 (the one Node 20 needs) would abort the process here: it is not opened.
    assert.throws(() => openSqlite(':memory:', { driver: 'better-sqlite3' }), /aborts the process|not installed|does not load/);
  }
});

test('loading the driver prints nothing (Node 22 warns that node:sqlite is experimental; Gofer chose it, so that warning is not passed on)', async () => {
  const script = `const { openSqlite } = await import(${JSON.stringify(join(ROOT, 'core/dist/stores/sqlite-drivers.js'))}); const db = openSqlite(':memory:'); console.log(db.driver); db.close();`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } });
  assert.is(stdout.trim(), expected);
  assert.is(stderr, '');
});

for (const driver of drivers) {
  const open = () => {
    const db = openSqlite(':memory:', { driver });
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, note TEXT)');
    return db;
  };

  test(`${driver}: rows are plain objects, BLOBs Buffers, undefined binds as NULL, named parameters as with better-sqlite3`, () => {
    const db = open();
    const insert = db.prepare('INSERT INTO t (name, data, note) VALUES (?, ?, ?)');
    assert.equal(insert.run('a', Buffer.from([0, 255]), undefined), { changes: 1, lastInsertRowid: 1 });
    insert.run('b', new Uint8Array([7]), 'x');
    db.prepare('INSERT INTO t (name, note) VALUES (@name, $note)').run({ name: 'c', note: undefined, unused: 1 });
    const row = db.prepare('SELECT * FROM t WHERE id = ?').get(1) as Record<string, unknown>;
    assert.is(Object.getPrototypeOf(row), Object.prototype);
    assert.ok(Buffer.isBuffer(row.data));
    assert.equal(row, { id: 1, name: 'a', data: Buffer.from([0, 255]), note: null });
    assert.equal(db.prepare('SELECT id, name, note FROM t ORDER BY id').all(), [
      { id: 1, name: 'a', note: null },
      { id: 2, name: 'b', note: 'x' },
      { id: 3, name: 'c', note: null },
    ]);
    assert.equal(
      [...db.prepare('SELECT name FROM t WHERE id > ? ORDER BY id').iterate(1)].map((r) => (r as { name: string }).name),
      ['b', 'c'],
    );
    assert.is(db.prepare('SELECT 1 FROM t WHERE id = ?').get(99), undefined);
    // A statement prepared before a schema change sees the new columns afterwards.
    const star = db.prepare('SELECT * FROM t WHERE id = 2');
    assert.equal(Object.keys(star.get() as object), ['id', 'name', 'data', 'note']);
    db.exec("ALTER TABLE t ADD COLUMN added TEXT NOT NULL DEFAULT 'new'");
    assert.equal(star.get(), { id: 2, name: 'b', data: Buffer.from([7]), note: 'x', added: 'new' });
    assert.is(db.prepare('DELETE FROM t WHERE id > ?').run(1).changes, 2);
    db.close();
  });

  test(`${driver}: transactions commit, roll back on a throw, nest as savepoints, refuse promises`, () => {
    const db = open();
    const add = db.prepare('INSERT INTO t (name) VALUES (?)');
    const names = () => (db.prepare('SELECT name FROM t ORDER BY id').all() as Array<{ name: string }>).map((r) => r.name);
    assert.is(
      db.transaction((n: string) => {
        assert.ok(db.inTransaction);
        add.run(n);
        return 'done';
      })('one'),
      'done',
    );
    assert.not.ok(db.inTransaction);
    assert.throws(
      () =>
        db.transaction(() => {
          add.run('lost');
          throw new Error('boom');
        })(),
      /boom/,
    );
    db.transaction(() => {
      add.run('outer');
      assert.throws(() =>
        db.transaction(() => {
          add.run('inner');
          throw new Error('inner fails');
        })(),
      );
      db.transaction(() => add.run('kept'))();
    })();
    assert.throws(() => db.transaction(() => Promise.resolve(add.run('async')))(), /promise/);
    db.transaction(() => add.run('immediate')).immediate();
    assert.equal(names(), ['one', 'outer', 'kept', 'immediate']);
    assert.not.ok(db.inTransaction);
    db.close();
  });

  test(`${driver}: the group commit's shared transaction holds other modules' transactions as savepoints`, async () => {
    const db = open();
    const group = new GroupCommit(db, memoryLogger('warn'));
    group.begin();
    db.transaction(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('grouped'))();
    assert.ok(db.inTransaction, 'still inside the turn-wide transaction');
    await group.durable();
    assert.not.ok(db.inTransaction);
    assert.equal(db.prepare('SELECT name FROM t').all(), [{ name: 'grouped' }]);
    db.close();
  });

  test(`${driver}: SQLite errors carry the result code's name`, () => {
    const db = open();
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return 'no error';
    };
    db.prepare('INSERT INTO t (id, name) VALUES (1, ?)').run('a');
    db.exec('CREATE UNIQUE INDEX t_name ON t (name)');
    assert.is(
      code(() => db.prepare('INSERT INTO t (id) VALUES (1)').run()),
      'SQLITE_CONSTRAINT_PRIMARYKEY',
    );
    assert.is(
      code(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('a')),
      'SQLITE_CONSTRAINT_UNIQUE',
    );
    assert.is(
      code(() => db.transaction(() => db.prepare('INSERT INTO t (name) VALUES (?)').run('a'))()),
      'SQLITE_CONSTRAINT_UNIQUE',
    );
    assert.is(
      code(() => db.prepare('SELEC 1')),
      'SQLITE_ERROR',
    );
    assert.is(
      code(() => db.exec('INSERT INTO nowhere VALUES (1)')),
      'SQLITE_ERROR',
    );
    db.close();
  });

  test(`${driver}: pragma, and close`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gofer-driver-'));
    try {
      const db = openSqlite(join(dir, 'x.db'), { driver });
      assert.is(db.pragma('journal_mode = WAL', { simple: true }), 'wal');
      assert.equal(db.pragma('journal_mode'), [{ journal_mode: 'wal' }]);
      const stmt = db.prepare('SELECT 1 AS one');
      assert.ok(db.open);
      db.close();
      assert.not.ok(db.open);
      assert.not.ok(db.inTransaction);
      assert.throws(() => stmt.get());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('openDatabase: WAL (checkpointed every 4,000 pages), foreign keys and the busy timeout on the chosen driver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-driver-'));
  let db: SqliteDatabase | undefined;
  try {
    db = openDatabase(dir);
    assert.is(db.driver, expected);
    assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.is(db.pragma('synchronous', { simple: true }), 1);
    assert.is(db.pragma('wal_autocheckpoint', { simple: true }), 4000);
    assert.is(db.pragma('foreign_keys', { simple: true }), 1);
    assert.is(db.pragma('busy_timeout', { simple: true }), 5000);
  } finally {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
