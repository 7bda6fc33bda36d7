/**
 * The bundled CLI (core/scripts/bundle.mjs) keeps the public API a shared import: plugins import
 * `@gofer/core/api` and must meet the very classes the core throws and checks. A bundle that
 * inlined dist/api/ would carry a second GoferError, PLUGIN_BRAND and API version list.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CORE = fileURLToPath(new URL('../../core/', import.meta.url));
const BUNDLE = join(CORE, 'dist/bundle');
const built = existsSync(join(BUNDLE, 'main.js'));

test('the bundle imports the public API from dist/api/ and inlines none of it', () => {
  assert.ok(built, 'no bundle: run `npm run build` first');
  const files = readdirSync(BUNDLE).filter((f) => f.endsWith('.js'));
  const sources = files.map((f) => readFileSync(join(BUNDLE, f), 'utf8'));
  for (const [i, source] of sources.entries()) {
    assert.not.match(source, /class GoferError\b/, `${files[i]} carries its own GoferError`);
    assert.not.match(source, /SUPPORTED_API_VERSIONS\s*=/, `${files[i]} carries its own API versions`);
  }
  assert.ok(
    sources.some((s) => s.includes('from "./../api/index.js"')),
    'the service chunk imports dist/api/index.js',
  );
});

test('bin/gofer.js runs the bundle: --version and --help answer', () => {
  assert.ok(built, 'no bundle: run `npm run build` first');
  const pkg = JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as { version: string };
  assert.is(execFileSync(process.execPath, [join(CORE, 'bin/gofer.js'), '--version'], { encoding: 'utf8' }).trim(), pkg.version);
  assert.match(execFileSync(process.execPath, [join(CORE, 'bin/gofer.js'), 'service', 'start', '--help'], { encoding: 'utf8' }), '--no-scheduler-check');
});

test.run();
