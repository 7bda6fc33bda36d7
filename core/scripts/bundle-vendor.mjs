#!/usr/bin/env node
// One-file copies of the dependencies whose many small ES modules dominate start-up, written to
// dist/vendor/ after `tsc -b` (by the root `npm run build` and by this package's prepack).
// Measured on `gofer service start`: typebox is 373 modules; importing them took 170 to 330 ms
// (Node's ESM loader opens, reads and links each file), its one-file bundle 14 to 23 ms. The
// core imports it as `#typebox` (package.json "imports"): the bundle from the built package, the
// typebox package itself from the sources (the gofer-source condition) and for types.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(new URL('../package.json', import.meta.url));

const VENDORED = [{ name: 'typebox', out: 'dist/vendor/typebox.js' }];

for (const { name, out } of VENDORED) {
  const entry = require.resolve(name);
  const { version, license } = packageJsonOf(name, entry);
  await build({
    entryPoints: [entry],
    absWorkingDir: coreDir,
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    legalComments: 'inline',
    logLevel: 'warning',
    banner: { js: `// ${name}@${version} (${license}), bundled into one file by core/scripts/bundle-vendor.mjs.` },
  });
}

/** The package's own package.json, above its resolved entry (its "exports" may not expose it). */
function packageJsonOf(name, file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    const pkg = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
    if (pkg?.name === name) return pkg;
  }
  throw new Error(`no package.json of ${name} above ${file}`);
}
