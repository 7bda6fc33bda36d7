/** The SQLite stores on real files: migrations per module, plugin state, persisted events and follow. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyMigrations, schemaVersion } from '../../core/src/stores/migrations.js';
import { openDatabase } from '../../core/src/stores/open-database.js';
import { DATABASE } from '../../core/src/stores/database.js';
import { PLUGIN_STATE } from '../../core/src/stores/plugin-state-store.js';
import { Pipeline, Task } from '@gofer/core';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gofer-stores-test-'));
}

test('a module applies its own versioned migrations once, in order, and only the new ones later', () => {
  const dir = tempDir();
  try {
    let db = openDatabase(dir);
    assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.is(applyMigrations(db, 'subscriptions', ['CREATE TABLE subs (id TEXT PRIMARY KEY)']), 1);
    db.prepare("INSERT INTO subs VALUES ('s1')").run();
    db.close();
    db = openDatabase(dir);
    assert.is(schemaVersion(db, 'subscriptions'), 1);
    applyMigrations(db, 'subscriptions', ['CREATE TABLE subs (id TEXT PRIMARY KEY)', "ALTER TABLE subs ADD COLUMN status TEXT NOT NULL DEFAULT 'active'"]);
    assert.equal(db.prepare('SELECT * FROM subs').all(), [{ id: 's1', status: 'active' }]);
    assert.is(schemaVersion(db, 'subscriptions'), 2);
    assert.is(schemaVersion(db, 'other'), 0, 'modules are tracked separately');
    // A failing migration leaves nothing half applied.
    assert.throws(() => applyMigrations(db, 'subscriptions', ['x', 'y', 'CREATE TABLE t3 (a); THIS IS NOT SQL']));
    assert.is(schemaVersion(db, 'subscriptions'), 2);
    assert.not.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 't3'").get());
    // A database newer than the code is refused.
    assert.throws(() => applyMigrations(db, 'subscriptions', ['only one']), /newer/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('createGofer registers DATABASE with the core schema; plugin state persists across restarts', async () => {
  const dataDir = tempDir();
  try {
    let { gofer, container } = await goferWithFake({ config: { dataDir } });
    const db = container.resolve(DATABASE);
    assert.is(schemaVersion(db, 'core'), 7); // 2: retention (runs.logs_removed, events by age); 3: retries, task cancel, run timeout; 4: approval gates; 5: reruns and concurrency groups; 6: indexes for big stores; 7: outputs, matrix combinations, allowFailure
    const state = container.resolve(PLUGIN_STATE)('extension', 'cron');
    await state.set('last', '42');
    assert.is(await state.get('last'), '42');
    assert.is(await container.resolve(PLUGIN_STATE)('extension', 'other').get('last'), undefined, 'private per plugin');
    await gofer.close();
    ({ gofer, container } = await goferWithFake({ config: { dataDir } }));
    const again = container.resolve(PLUGIN_STATE)('extension', 'cron');
    assert.is(await again.get('last'), '42');
    await again.delete('last');
    assert.is(await again.get('last'), undefined);
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('events are persisted with increasing ids and survive a restart; list filters by type and after', async () => {
  const dataDir = tempDir();
  try {
    let { gofer } = await goferWithFake({ config: { dataDir } });
    await gofer.pipelines.register(new Pipeline('evts', 'x').tasks(new Task('aaa', 'img')).build());
    await gofer.runs.wait('evts', (await gofer.runs.start('evts')).runId);
    const all = await gofer.events.list();
    assert.ok(all.length >= 8);
    assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id));
    await gofer.close();
    ({ gofer } = await goferWithFake({ config: { dataDir } }));
    assert.equal(
      (await gofer.events.list()).map((e) => e.id),
      all.map((e) => e.id),
    );
    const completed = await gofer.events.list({ types: ['run.completed'] });
    assert.equal(
      completed.map((e) => e.payload),
      [{ pipelineId: 'evts', runId: 1, status: 'successful' }],
    );
    assert.equal(
      (await gofer.events.list({ after: all[2]!.id, limit: 2 })).map((e) => e.id),
      [all[3]!.id, all[4]!.id],
    );
    await gofer.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('follow yields stored events after `after`, then live ones, until the signal aborts', async () => {
  const { gofer } = await goferWithFake();
  try {
    await gofer.pipelines.register(new Pipeline('follow-evts', 'x').tasks(new Task('aaa', 'img')).build());
    const first = (await gofer.events.list())[0]!;
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const e of gofer.events.follow({ after: first.id, signal: controller.signal })) {
        seen.push(e.type);
        if (e.type === 'run.completed') controller.abort();
      }
    })();
    await gofer.runs.wait('follow-evts', (await gofer.runs.start('follow-evts')).runId);
    await following;
    assert.equal(seen, ['pipeline.deployed', 'run.created', 'task.created', 'run.started', 'task.started', 'task.completed', 'run.completed']);
  } finally {
    await gofer.close();
  }
});

test.run();
