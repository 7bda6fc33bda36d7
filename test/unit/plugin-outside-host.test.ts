/**
 * Plugins that live outside the host's node_modules (a symlink made by `npm install ../folder` or
 * `npm link`, or a folder in `pluginDirs`) import `@gofer/core/api` from the host's own copy of the
 * core: the folders here are in the system's temp directory, where no core is installed.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, isGoferError, memoryLogger } from '@gofer/core';
import { fixture, rejectionOf } from '../helpers/fixtures.ts';

const outside = mkdtempSync(join(tmpdir(), 'gofer-outside-'));
const pluginDir = join(outside, 'my-plugin');
cpSync(fixture('valid-scheduler'), pluginDir, { recursive: true });

const quiet = (config: Record<string, unknown>) =>
  createGofer({ useEnv: false, logger: memoryLogger('warn'), config: { dataDir: ':memory:', scheduler: 'fixture-memory', ...config } });

test('a plugin symlinked into the root node_modules (npm install ../folder) uses the host core', async () => {
  const root = join(outside, 'app');
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  symlinkSync(pluginDir, join(root, 'node_modules', 'gofer-fixture-valid-scheduler'), 'dir');
  const gofer = await quiet({ root, discover: true });
  const info = gofer.plugins.list().find((p) => p.name === 'fixture-memory');
  assert.equal(info?.status, 'active');
  assert.equal(info?.source, 'scan');
  await gofer.close();
});

test('a plugin folder listed in pluginDirs uses the host core', async () => {
  const gofer = await quiet({ root: outside, discover: false, pluginDirs: [pluginDir] });
  assert.equal(gofer.plugins.list().find((p) => p.name === 'fixture-memory')?.status, 'active');
  await gofer.close();
});

test('a missing dependency of such a plugin: the exact import, the folder and a fix that works there', async () => {
  const broken = join(outside, 'broken-plugin');
  mkdirSync(broken);
  writeFileSync(
    join(broken, 'package.json'),
    JSON.stringify({ name: 'broken-plugin', type: 'module', gofer: { kind: 'scheduler', name: 'fixture-memory', apiVersion: 1, entry: './index.js' } }),
  );
  writeFileSync(join(broken, 'index.js'), "import { thing } from 'gofer-test-absent-package/sub';\nexport default thing;\n");
  const err = await rejectionOf(quiet({ root: outside, discover: false, pluginDirs: [broken] }));
  assert.ok(isGoferError(err));
  const failure = (err as { errors?: unknown[] }).errors?.[0] ?? err;
  assert.ok(isGoferError(failure));
  assert.equal(failure.code, 'ERR_PLUGIN_DEPENDENCY_MISSING');
  assert.match(failure.message, /imports "gofer-test-absent-package\/sub"/);
  assert.ok(failure.message.includes(`cd ${broken} && npm install gofer-test-absent-package`), failure.message);
  assert.not.match(failure.message, /@gofer\/core/);
});

test('the default scheduler missing from a folder: the message names root, GOFER_ROOT and the folders searched', async () => {
  const empty = join(outside, 'empty');
  mkdirSync(empty);
  const err = await rejectionOf(createGofer({ useEnv: false, logger: memoryLogger('warn'), config: { root: empty, dataDir: ':memory:' } }));
  const failure = (err as { errors?: unknown[] }).errors?.[0] ?? err;
  assert.ok(isGoferError(failure));
  assert.equal(failure.code, 'ERR_PLUGIN_NOT_INSTALLED');
  assert.ok(failure.message.includes(join(empty, 'node_modules')), failure.message);
  assert.match(failure.message, /@gofer\/scheduler-process/);
  assert.match(failure.message, /GOFER_ROOT/);
});

test.after(() => rmSync(outside, { recursive: true, force: true }));

test.run();
