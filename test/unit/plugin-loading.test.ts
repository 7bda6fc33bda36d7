/**
 * The plugin host's loading rules, proven with real fixture packages: every failure has its code
 * and names its package; configured plugins stop start-up with one error listing every failure;
 * discovered ones are recorded and the host carries on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type GoferAggregateError, isGoferError, type ErrorCode, type SchedulerDefinition } from '@gofer/core';
import { rejectionOf, startWithFixtures } from '../helpers/fixtures.ts';
import { waitFor } from '../helpers/wait-for.js';

test('a valid scheduler is created with schema defaults applied and becomes active', async () => {
  const gofer = await startWithFixtures(['valid-scheduler']);
  const [info] = gofer.plugins.list();
  assert.equal(info?.name, 'fixture-memory');
  assert.equal(info?.status, 'active');
  assert.equal(info?.source, 'dir');
  assert.equal(info?.packageName, 'gofer-fixture-valid-scheduler');
  await gofer.close();
});

test('a valid extension is created and closed before the scheduler', async () => {
  (globalThis as { __goferFixtureClosed?: string[] }).__goferFixtureClosed = [];
  const gofer = await startWithFixtures(['valid-scheduler', 'valid-extension']);
  const ext = gofer.plugins.list().find((p) => p.kind === 'extension');
  assert.equal(ext?.name, 'fixture-ticker');
  assert.equal(ext?.status, 'active');
  await gofer.close();
  assert.equal((globalThis as { __goferFixtureClosed?: string[] }).__goferFixtureClosed, ['extension']);
});

// One row per broken fixture: configured by name, it must stop start-up with this code.
const BROKEN: Array<{
  dir: string;
  name: string;
  pkg: string;
  code: ErrorCode;
  /** Where the failure shows: package.json alone, importing the entry, or create(). */
  stage: 'manifest' | 'import' | 'create';
  config?: Record<string, unknown>;
  mentions?: RegExp;
}> = [
  {
    dir: 'throws-on-import',
    stage: 'import',
    name: 'fixture-throws',
    pkg: 'gofer-fixture-throws-on-import',
    code: 'ERR_PLUGIN_IMPORT_FAILED',
    mentions: /fixture exploded at import time/,
  },
  {
    dir: 'missing-dependency',
    stage: 'import',
    name: 'fixture-missing-dep',
    pkg: 'gofer-fixture-missing-dependency',
    code: 'ERR_PLUGIN_DEPENDENCY_MISSING',
    mentions: /gofer-fixture-package-that-is-not-installed/,
  },
  {
    dir: 'wrong-shape',
    stage: 'import',
    name: 'fixture-wrong-shape',
    pkg: 'gofer-fixture-wrong-shape',
    code: 'ERR_PLUGIN_INVALID_SHAPE',
    mentions: /defineScheduler/,
  },
  {
    dir: 'bad-settings',
    stage: 'create',
    name: 'fixture-bad-settings',
    pkg: 'gofer-fixture-bad-settings',
    code: 'ERR_PLUGIN_SETTINGS_INVALID',
    config: { schedulers: { 'fixture-bad-settings': { retries: -1 } } },
    mentions: /\/schedulers\/fixture-bad-settings: missing required key "socketPath"[\s\S]*\/schedulers\/fixture-bad-settings\/retries: must be >= 0/,
  },
  {
    dir: 'slow-create',
    stage: 'create',
    name: 'fixture-slow',
    pkg: 'gofer-fixture-slow-create',
    code: 'ERR_PLUGIN_CREATE_TIMEOUT',
    config: { pluginTimeoutMs: 100 },
    mentions: /within 100 ms/,
  },
  {
    dir: 'create-throws',
    stage: 'create',
    name: 'fixture-create-throws',
    pkg: 'gofer-fixture-create-throws',
    code: 'ERR_PLUGIN_CREATE_FAILED',
    mentions: /cannot reach the fixture engine/,
  },
  {
    dir: 'wrong-api-version',
    stage: 'manifest',
    name: 'fixture-future',
    pkg: 'gofer-fixture-wrong-api-version',
    code: 'ERR_PLUGIN_API_VERSION',
    mentions: /version 99.*supports 1/,
  },
  {
    dir: 'api-version-mismatch',
    stage: 'import',
    name: 'fixture-api-mismatch',
    pkg: 'gofer-fixture-api-version-mismatch',
    code: 'ERR_PLUGIN_API_VERSION',
    mentions: /"gofer\.apiVersion": 1 but its entry's definition says apiVersion 2[\s\S]*Fix: make them agree/,
  },
];

for (const row of BROKEN) {
  test(`configured ${row.dir}: start-up fails with ${row.code} naming the package`, async () => {
    const err = await rejectionOf(startWithFixtures([row.dir], { scheduler: row.name, ...row.config }));
    assert.ok(isGoferError(err, 'ERR_PLUGIN_STARTUP'), `expected ERR_PLUGIN_STARTUP, got ${String(err)}`);
    const inner = (err as GoferAggregateError).errors;
    assert.equal(
      inner.map((e) => e.code),
      [row.code],
    );
    assert.match(inner[0]!.message, row.pkg);
    assert.match((err as Error).message, row.pkg, 'the aggregate message names the package too');
    if (row.mentions) assert.match(inner[0]!.message, row.mentions);
  });

  test(`discovered ${row.dir}: recorded with its outcome, host keeps running`, async () => {
    const gofer = await startWithFixtures(['valid-scheduler', row.dir], { pluginTimeoutMs: 100 });
    const found = gofer.plugins.list().find((p) => p.packageName === row.pkg);
    if (row.stage === 'manifest') {
      assert.equal(found?.status, 'failed');
      assert.equal(found?.error?.code, row.code);
      assert.match(found?.error?.message ?? '', row.pkg);
    } else {
      // A discovered scheduler that is not the active one is checked from its package.json and
      // listed, never imported (an import failure would have marked it failed) nor created.
      assert.equal(found?.status, 'loaded');
      assert.equal(found?.error, undefined);
    }
    assert.equal(gofer.plugins.list().find((p) => p.name === 'fixture-memory')?.status, 'active');
    await gofer.close();
  });
}

test('a discovered extension whose create() fails is recorded and the host keeps running', async () => {
  const gofer = await startWithFixtures(['valid-scheduler', 'extension-create-throws', 'valid-extension']);
  const list = gofer.plugins.list();
  const broken = list.find((p) => p.name === 'fixture-broken-ext');
  assert.equal(broken?.status, 'failed');
  assert.equal(broken?.error?.code, 'ERR_PLUGIN_CREATE_FAILED');
  assert.match(broken?.error?.message ?? '', 'gofer-fixture-extension-create-throws');
  assert.match(broken?.error?.message ?? '', 'webhook port already taken');
  assert.equal(list.find((p) => p.name === 'fixture-ticker')?.status, 'active');
  await gofer.close();
});

test('subscribing to an extension that failed to load: ERR_EXTENSION_UNAVAILABLE with its failure; an unknown one: ERR_NOT_FOUND', async () => {
  const gofer = await startWithFixtures(['valid-scheduler', 'extension-create-throws']);
  await gofer.pipelines.register({ id: 'subs', name: 'subs', tasks: [{ id: 'only', image: 'none' }] });
  const broken = await rejectionOf(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'fixture-broken-ext', label: 'x', settings: {} }));
  assert.ok(isGoferError(broken, 'ERR_EXTENSION_UNAVAILABLE'));
  assert.match((broken as Error).message, 'webhook port already taken');
  const unknown = await rejectionOf(gofer.subscriptions.create({ pipelineId: 'subs', extension: 'nope', label: 'x', settings: {} }));
  assert.ok(isGoferError(unknown, 'ERR_NOT_FOUND'));
  await gofer.close();
});

test('the same extension, configured by name, stops start-up', async () => {
  const err = await rejectionOf(startWithFixtures(['valid-scheduler', 'extension-create-throws'], { extensions: { 'fixture-broken-ext': {} } }));
  assert.equal(
    (err as GoferAggregateError).errors.map((e) => e.code),
    ['ERR_PLUGIN_CREATE_FAILED'],
  );
});

test('an extension disabled in the config is loaded but not created', async () => {
  const gofer = await startWithFixtures(['valid-scheduler', 'extension-create-throws'], { extensions: { 'fixture-broken-ext': false } });
  assert.equal(gofer.plugins.list().find((p) => p.name === 'fixture-broken-ext')?.status, 'loaded');
  await gofer.close();
});

test('a bad manifest names the package and every problem with its path', async () => {
  const gofer = await startWithFixtures(['valid-scheduler', 'bad-manifest']);
  const failed = gofer.plugins.list().find((p) => p.packageName === 'gofer-fixture-bad-manifest');
  assert.equal(failed?.error?.code, 'ERR_PLUGIN_MANIFEST_INVALID');
  for (const path of ['/gofer/kind', '/gofer/name', '/gofer/apiVersion', 'exactly one of "entry"']) {
    assert.match(failed?.error?.message ?? '', path);
  }
  await gofer.close();
});

test('several configured failures are reported together in one error', async () => {
  const err = await rejectionOf(
    startWithFixtures(['valid-scheduler', 'throws-on-import', 'create-throws', 'wrong-api-version'], {
      scheduler: 'fixture-create-throws',
      schedulers: { 'fixture-throws': {}, 'fixture-future': {} },
    }),
  );
  assert.ok(isGoferError(err, 'ERR_PLUGIN_STARTUP'));
  const codes = (err as GoferAggregateError).errors.map((e) => e.code).sort();
  assert.equal(codes, ['ERR_PLUGIN_API_VERSION', 'ERR_PLUGIN_CREATE_FAILED', 'ERR_PLUGIN_IMPORT_FAILED']);
  assert.match((err as Error).message, /3 configured plugins failed to load/);
});

test('two plugins with the same kind and name: an error naming both packages', async () => {
  const err = await rejectionOf(startWithFixtures(['duplicate-a', 'duplicate-b'], { scheduler: 'fixture-dup' }));
  assert.ok(isGoferError(err, 'ERR_PLUGIN_STARTUP'));
  const [dup] = (err as GoferAggregateError).errors;
  assert.equal(dup?.code, 'ERR_PLUGIN_DUPLICATE');
  assert.match(dup!.message, 'gofer-fixture-duplicate-a');
  assert.match(dup!.message, 'gofer-fixture-duplicate-b');
});

test('a scheduler the config names but nobody provides: ERR_PLUGIN_NOT_INSTALLED listing what exists', async () => {
  const err = await rejectionOf(startWithFixtures(['valid-scheduler'], { scheduler: 'kubernetes' }));
  const [inner] = (err as GoferAggregateError).errors;
  assert.equal(inner?.code, 'ERR_PLUGIN_NOT_INSTALLED');
  assert.match(inner!.message, /scheduler "kubernetes"/);
  assert.match(inner!.message, /fixture-memory/);
});

test('a package named in "plugins" that is not installed: ERR_PLUGIN_NOT_INSTALLED with the npm command', async () => {
  const err = await rejectionOf(startWithFixtures(['valid-scheduler'], { plugins: ['gofer-plugin-nobody-installed'] }));
  const [inner] = (err as GoferAggregateError).errors;
  assert.equal(inner?.code, 'ERR_PLUGIN_NOT_INSTALLED');
  assert.match(inner!.message, 'npm install gofer-plugin-nobody-installed');
});

test('a slow create that finishes after the time limit has its late instance closed', async () => {
  (globalThis as { __goferLateClosed?: boolean }).__goferLateClosed = false;
  await rejectionOf(startWithFixtures(['slow-create'], { scheduler: 'fixture-slow', pluginTimeoutMs: 50 }));
  await waitFor('the late instance to be closed', () => (globalThis as { __goferLateClosed?: boolean }).__goferLateClosed, { timeoutMs: 5000 });
});

test('plugins handed in by the host count as configured and take part in duplicate checks', async () => {
  const { default: definition } = (await import(new URL('../fixtures/plugins/valid-scheduler/index.js', import.meta.url).href)) as {
    default: SchedulerDefinition;
  };
  const err = await rejectionOf(startWithFixtures(['valid-scheduler'], {}, { plugins: [definition] }));
  assert.equal(
    (err as GoferAggregateError).errors.map((e) => e.code),
    ['ERR_PLUGIN_DUPLICATE', 'ERR_PLUGIN_DUPLICATE'],
  );
  assert.match((err as Error).message, '(host)');
});

test.run();
