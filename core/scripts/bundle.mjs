#!/usr/bin/env node
// Bundles written after `tsc -b` (by the root `npm run build` and by this package's prepack), for
// start-up time: Node's ES module loader opens, reads, parses and links every file on its own,
// about half a millisecond each, and `gofer service start` loaded some 800 of them.
//
// - dist/vendor/typebox.js: typebox in one file. Its 373 modules took 170 to 330 ms to import,
//   the one file 14 to 23 ms. The sources import `typebox`; in the JavaScript tsc emitted (not
//   in the declarations, which keep naming the typebox package for every consumer and tool),
//   those imports become `#typebox`, which package.json "imports" maps to this file. A later
//   `tsc -b` that re-emits a file undoes it for that file: it then loads the package, slower.
// - dist/bundle/: the CLI (dist/cli/main.js) and the service it starts, from the JavaScript tsc
//   emitted (its decorators included), split so that a client command loads none of the
//   service's code. npm packages stay imports (but the few only the CLI and the service use:
//   INLINED, 60 of their modules), and so does the public API (dist/api/): plugins import
//   `@gofer/core/api`, and it must be the very module the core uses (one set of error classes,
//   brands and API versions). The chunks sit at the depth of dist/<folder>/<file>.js, so
//   the paths the modules build from import.meta.url ('../../package.json') still hold.
//   bin/gofer.js runs the bundle only when it is newer than the last tsc build, else dist/cli.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(new URL('../package.json', import.meta.url));
const common = { absWorkingDir: coreDir, bundle: true, format: 'esm', platform: 'node', target: 'node20', legalComments: 'inline', logLevel: 'warning' };

for (const name of ['typebox']) {
  const entry = require.resolve(name);
  const { version, license } = packageJsonOf(name, entry);
  await build({
    ...common,
    entryPoints: [entry],
    outfile: `dist/vendor/${name}.js`,
    banner: { js: `// ${name}@${version} (${license}), bundled into one file by core/scripts/bundle.mjs.` },
  });
}

/**
 * Packages used by the core's internals alone, never through dist/api/ nor by plugins: inlined
 * with what they import (Fastify is some 200 CommonJS files), but for what they require only
 * when a feature is used: Fastify's logger and inject, and its default schema compilers (ajv,
 * fast-json-stringify), which the service replaces. Inlined, those 650 KB were parsed at every
 * start for nothing; left as imports, they load only if required (ajv loads once, for dist/api/).
 */
const INLINED = ['commander', 'tsyringe', 'reflect-metadata', '@marcbachmann/cel-js', 'fastify', '@fastify/static'];
const REQUIRED_ON_USE = [
  'pino',
  'light-my-request',
  'ajv',
  'ajv-formats',
  'fast-uri',
  'fast-json-stringify',
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
];
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const inlined = (specifier, importer) =>
  INLINED.includes(packageOf(specifier)) || (importer.includes(`${sep}node_modules${sep}`) && !REQUIRED_ON_USE.includes(packageOf(specifier)));
rewriteTypeboxImports(join(coreDir, 'dist'));

const apiDir = join(coreDir, 'dist', 'api') + sep;
const outdir = join(coreDir, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { main: 'dist/cli/main.js' },
  outdir,
  splitting: true,
  chunkNames: '[name]-[hash]',
  banner: {
    js: [
      '// The gofer CLI, bundled by core/scripts/bundle.mjs from dist/ (see there).',
      // The inlined CommonJS packages require Node's modules; an ES module has no `require` of its own.
      "import { createRequire as __goferCreateRequire } from 'node:module';",
      'const require = __goferCreateRequire(import.meta.url);',
    ].join('\n'),
  },
  plugins: [
    {
      name: 'gofer-public-api-stays-shared',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const path = resolve(args.resolveDir, args.path);
          return path.startsWith(apiDir) ? { path: `./${relative(outdir, path).split(sep).join('/')}`, external: true } : undefined;
        });
        b.onResolve({ filter: /^#?typebox$/ }, () => ({ path: '#typebox', external: true }));
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('node:') || inlined(args.path, args.importer) ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});

/** The package's own package.json, above its resolved entry (its "exports" may not expose it). */
function packageJsonOf(name, file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    const pkg = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
    if (pkg?.name === name) return pkg;
  }
  throw new Error(`no package.json of ${name} above ${file}`);
}

/** `from 'typebox'` to `from '#typebox'` in every emitted module under `dir` (not the .d.ts files). */
function rewriteTypeboxImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'vendor' && entry.name !== 'bundle') rewriteTypeboxImports(path);
      continue;
    }
    if (!entry.name.endsWith('.js')) continue;
    const text = readFileSync(path, 'utf8');
    const rewritten = text.replace(/^((?:import|export) [^;]*? from )'typebox';$/gm, "$1'#typebox';");
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}
