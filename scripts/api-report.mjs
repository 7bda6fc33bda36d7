#!/usr/bin/env node
// The API report: every public entry point of every workspace package (each `exports` entry with
// a `types` condition: `@gofer/core`, `@gofer/core/api`, each plugin's and extension's entry),
// read by API Extractor from the built declarations (run `npm run build` first) and kept in
// api-report/<package>.api.md. A change to the public surface changes a report, and the check
// fails until the change is accepted on purpose:
//   node scripts/api-report.mjs          check (npm run api:check, part of npm run lint)
//   node scripts/api-report.mjs --update accept the current surface (npm run api:update)
// It also fails when a public declaration file mentions tsyringe or reflect-metadata: the DI
// container is the core's business, never its users'.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const update = process.argv.includes('--update');
const reportFolder = join(root, 'api-report');
const FORBIDDEN = /\b(tsyringe|reflect-metadata)\b/;

function workspacePackages() {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of rootPkg.workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      for (const name of readdirSorted(parent)) if (existsSync(join(parent, name, 'package.json'))) dirs.push(join(parent, name));
    } else dirs.push(join(root, pattern));
  }
  return dirs;
}

function readdirSorted(dir) {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Every public entry: `{ packageDir, name: '@gofer/core/api', dts: '/abs/.../index.d.ts' }`. */
function publicEntries() {
  const entries = [];
  for (const dir of workspacePackages()) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    for (const [subpath, target] of Object.entries(pkg.exports ?? { '.': { types: pkg.types } })) {
      const types = typeof target === 'object' && target !== null ? target.types : undefined;
      if (!types) continue;
      entries.push({ packageDir: dir, name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, '')}`, dts: resolve(dir, types) });
    }
  }
  return entries;
}

/** The declaration files an entry's types reach through relative imports, and the packages they import. */
function declarationGraph(entry) {
  const files = new Set();
  const packages = new Set();
  const visit = (file) => {
    if (files.has(file) || !existsSync(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|reference\s+types=)['"]([^'"]+)['"]/g)) {
      const spec = m[1];
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        visit(spec.endsWith('.js') ? base.replace(/\.js$/, '.d.ts') : existsSync(`${base}.d.ts`) ? `${base}.d.ts` : join(base, 'index.d.ts'));
      } else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

/**
 * The compiler options a consumer of the package would use: Node's resolution, or a bundler's for
 * a package built for bundlers (the web UI's components, whose declarations import without
 * extensions, as a Vite or webpack host app resolves them).
 */
function consumerCompilerOptions(packageDir) {
  const tsconfig = join(packageDir, 'tsconfig.json');
  const own = existsSync(tsconfig) ? (JSON.parse(readFileSync(tsconfig, 'utf8')).compilerOptions ?? {}) : {};
  const forBundlers = String(own.moduleResolution ?? '').toLowerCase() === 'bundler';
  return forBundlers
    ? {
        target: 'ES2022',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: 'react-jsx',
        strict: true,
        skipLibCheck: true,
        types: [],
      }
    : { target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true, types: ['node'] };
}

const reportName = (name) => `${name.replace(/^@/, '').replace(/[/]/g, '-')}.api.md`;

const problems = [];
const temp = mkdtempSync(join(tmpdir(), 'gofer-api-report-'));
mkdirSync(reportFolder, { recursive: true });
try {
  for (const entry of publicEntries()) {
    if (!existsSync(entry.dts)) {
      problems.push(`${entry.name}: ${relative(root, entry.dts)} does not exist; run npm run build first`);
      continue;
    }
    const { files, packages } = declarationGraph(entry.dts);
    for (const file of files) {
      const hit = readFileSync(file, 'utf8')
        .split('\n')
        .find((line) => FORBIDDEN.test(line));
      if (hit) problems.push(`${entry.name}: the public declaration ${relative(root, file)} mentions the DI container: ${hit.trim()}`);
    }
    for (const p of packages) if (FORBIDDEN.test(p)) problems.push(`${entry.name}: its public types import "${p}"`);

    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: entry.packageDir,
        mainEntryPointFilePath: entry.dts,
        // The built declarations only: without the "gofer-source" condition, `@gofer/core/api`
        // in a plugin's types resolves to the core's .d.ts, as it does for an installed package.
        compiler: {
          overrideTsconfig: {
            compilerOptions: consumerCompilerOptions(entry.packageDir),
            files: [entry.dts],
          },
        },
        apiReport: { enabled: true, reportFolder, reportTempFolder: temp, reportFileName: reportName(entry.name) },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            default: { logLevel: 'none', addToApiReportFile: true },
            // No release tags (@public/@beta): everything exported is public.
            'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
            // Listed with source line numbers, so every unrelated edit would churn the report.
            'ae-undocumented': { logLevel: 'none', addToApiReportFile: false },
          },
          tsdocMessageReporting: { default: { logLevel: 'none', addToApiReportFile: false } },
        },
      },
      configObjectFullPath: undefined,
      packageJsonFullPath: join(entry.packageDir, 'package.json'),
    });
    const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, messageCallback: (m) => (m.handled = m.logLevel === 'none') });
    const report = join(reportFolder, reportName(entry.name));
    if (existsSync(report) && FORBIDDEN.test(readFileSync(report, 'utf8'))) problems.push(`${entry.name}: its API report mentions the DI container`);
    if (!result.succeeded && !update && result.apiReportChanged) {
      // What changed, so the reviewer sees it here (the new report is deleted with the temp folder).
      const diff = spawnSync('diff', ['-u', report, join(temp, reportName(entry.name))], { encoding: 'utf8' }).stdout.split('\n');
      console.log(diff.slice(0, 80).join('\n') + (diff.length > 80 ? `\n... (${diff.length - 80} more lines)` : ''));
    }
    if (!result.succeeded && !update) {
      problems.push(
        `${entry.name}: the public API differs from api-report/${reportName(entry.name)}${result.apiReportChanged ? '' : ` (${result.errorCount} errors)`}. ` +
          'Review the change (the diff above); if it is intended, run npm run api:update and commit the report with it.',
      );
    }
    console.log(`${result.succeeded ? 'ok  ' : update ? 'upd ' : 'FAIL'} ${entry.name}`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`\nThe public API check failed:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
