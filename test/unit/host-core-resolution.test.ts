/**
 * The module hook that hands plugins the host's core is installed only for a plugin that would
 * otherwise import another core or none (once installed, every later import of the process goes
 * through Node's loader thread). test/unit/plugin-outside-host.test.ts proves such plugins still
 * get the host's core.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolvesAnotherCore } from '../../core/src/plugin-host/host-core-resolution.js';
import { ROOT } from '../integration/service-harness.js';

const outside = mkdtempSync(join(tmpdir(), 'gofer-core-res-'));
test.after(() => rmSync(outside, { recursive: true, force: true }));

test("a plugin of this workspace (a link in the root's node_modules) finds the host's core: no hook", () => {
  assert.is(resolvesAnotherCore(join(ROOT, 'node_modules/@gofer/scheduler-process/dist/index.js')), false);
});

test('a plugin folder where no core is installed needs the hook', () => {
  const dir = join(outside, 'lonely');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.js'), 'export default {};');
  assert.is(resolvesAnotherCore(join(dir, 'index.js')), true);
});

test('a plugin with its own copy of the core needs the hook, even when linked into the host', () => {
  const dir = join(outside, 'with-copy');
  mkdirSync(join(dir, 'node_modules/@gofer'), { recursive: true });
  cpSync(join(ROOT, 'core/package.json'), join(dir, 'node_modules/@gofer/core/package.json'));
  writeFileSync(join(dir, 'index.js'), 'export default {};');
  const app = join(outside, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(dir, join(app, 'node_modules/with-copy'), 'dir');
  assert.is(resolvesAnotherCore(join(app, 'node_modules/with-copy/index.js')), true);
});

test.run();
