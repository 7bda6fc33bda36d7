/** The HTTP API's kept answers (server/answer-cache.ts): keyed on route, scope, URL and the vary headers; kept for one data version. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnswerCache, etagOf, matchesEtag } from '../../core/src/server/answer-cache.js';
import { dataVersionOf } from '../../core/src/stores/data-version.js';
import { openSqlite } from '../../core/src/stores/sqlite-drivers.js';

const management = { kind: 'management', tokenId: 'm' } as const;

test('an answer is kept for the version it was read at, and not past it', () => {
  let version = 1;
  const cache = new AnswerCache(() => version);
  const key = cache.keyOf('listPipelines', management, '/api/pipelines', {});
  assert.is(cache.get(key), undefined);
  const kept = cache.set(key, 1, '{"items":[]}');
  assert.is(kept.bytes.toString(), '{"items":[]}');
  assert.is(cache.get(key)?.etag, kept.etag);
  version = 2;
  assert.is(cache.get(key), undefined, 'a write moved the version');
  assert.is(cache.size, 0);
  const read = cache.set(key, 1, '{"items":[1]}');
  assert.is(read.etag, etagOf(Buffer.from('{"items":[1]}')), 'the answer read while the version moved is still sent');
  assert.is(cache.get(key), undefined, 'but not kept');
});

test('keys differ by route, scope, URL and the headers the route varies on', () => {
  const cache = new AnswerCache(() => 0);
  const keys = [
    cache.keyOf('listPipelines', management, '/api/pipelines', {}),
    cache.keyOf('listEvents', management, '/api/pipelines', {}),
    cache.keyOf('listPipelines', management, '/api/pipelines?limit=2', {}),
    cache.keyOf('listPipelines', { kind: 'client', tokenId: 'c', namespaces: ['team'] }, '/api/pipelines', {}),
    cache.keyOf('listPipelines', { kind: 'client', tokenId: 'c', namespaces: ['team', 'default'] }, '/api/pipelines', {}),
    cache.keyOf('listPipelines', { kind: 'run', pipelineId: 'p1', runId: 1 }, '/api/pipelines', {}),
    cache.keyOf('listPipelines', { kind: 'run', pipelineId: 'p2', runId: 1 }, '/api/pipelines', {}),
    cache.keyOf('listEvents', management, '/api/events', { 'last-event-id': '3' }, ['last-event-id']),
    cache.keyOf('listEvents', management, '/api/events', {}, ['last-event-id']),
  ];
  assert.is(new Set(keys).size, keys.length);
  // Two client tokens of the same namespaces see the same pipelines: one answer.
  assert.is(
    cache.keyOf('listPipelines', { kind: 'client', tokenId: 'c1', namespaces: ['a', 'b'] }, '/api/pipelines', {}),
    cache.keyOf('listPipelines', { kind: 'client', tokenId: 'c2', namespaces: ['b', 'a'] }, '/api/pipelines', {}),
  );
});

test('at most `max` answers are kept, the oldest dropped first', () => {
  const cache = new AnswerCache(() => 0, 2);
  for (const k of ['a', 'b', 'c']) cache.set(k, 0, `"${k}"`);
  assert.is(cache.size, 2);
  assert.is(cache.get('a'), undefined);
  assert.ok(cache.get('c'));
});

test('If-None-Match: a listed, weak or * tag matches; others do not', () => {
  const etag = etagOf(Buffer.from('x'));
  assert.ok(matchesEtag(etag, etag));
  assert.ok(matchesEtag(`"other", W/${etag}`, etag));
  assert.ok(matchesEtag('*', etag));
  assert.not.ok(matchesEtag(undefined, etag));
  assert.not.ok(matchesEtag('"other"', etag));
});

test('the data version moves on every insert, update and delete, and on a rolled-back savepoint', () => {
  const db = openSqlite(':memory:');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
  const version = dataVersionOf(db);
  const seen = [version()];
  db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 1);
  seen.push(version());
  db.prepare('UPDATE t SET v = 2 WHERE k = ?').run('a');
  seen.push(version());
  try {
    db.transaction(() => {
      db.prepare('INSERT INTO t VALUES (?, ?)').run('b', 1);
      throw new Error('roll back');
    })();
  } catch {
    // expected
  }
  seen.push(version());
  db.prepare('DELETE FROM t').run();
  seen.push(version());
  assert.equal(
    [...seen].sort((a, b) => a - b),
    seen,
  );
  assert.is(new Set(seen).size, seen.length, `every write moved it: ${seen.join(', ')}`);
  db.close();
});

test.run();
