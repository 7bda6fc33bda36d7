/**
 * The JavaScript the browser downloads for the UI's first page (the entry script in
 * ui/dist/index.html and every chunk it imports statically; pages loaded later are listed
 * apart), gzipped. Goal: at most 300 kB. Baseline, built in the same run with the same Vite and
 * React: a bare React page rendering one element.
 *   TSX_TSCONFIG_PATH=tsconfig.tsx.json node --conditions=gofer-source --import tsx bench/ui-bundle-size.ts
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { ROOT } from '../test/integration/service-harness.js';
import { verdict } from './verdict-kit.js';

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;
const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

/** The entry scripts of a built index.html and their static imports, transitively. */
function initialScripts(dist: string): string[] {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g), ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g)].map(
    (m) => m[1]!,
  );
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(dist, file), 'utf8');
    // Static imports only (`import ... from "./x.js"` / `import "./x.js"`); `import("./x.js")` is a later page.
    for (const m of code.matchAll(/(?:^|[;\n])\s*import(?:[^'"()]*?from)?\s*["']\.\/([^"']+\.js)["']/g)) queue.push(join(file, '..', m[1]!));
  }
  return [...seen];
}

const dist = join(ROOT, 'ui/dist');
const initial = initialScripts(dist);
const all = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => join('assets', f));
const later = all.filter((f) => !initial.includes(f));
const initialGz = initial.reduce((n, f) => n + gz(join(dist, f)), 0);

// Baseline: a bare React page, built now.
const work = mkdtempSync(join(tmpdir(), 'gofer-bare-react-'));
try {
  mkdirSync(join(work, 'src'));
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  writeFileSync(join(work, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.js"></script></body></html>');
  writeFileSync(
    join(work, 'src/main.js'),
    "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(createElement('p', null, 'hello'));\n",
  );
  await build({ root: work, logLevel: 'silent', configFile: false, build: { outDir: join(work, 'dist'), target: 'es2022' } });
  const bare = initialScripts(join(work, 'dist')).reduce((n, f) => n + gz(join(work, 'dist', f)), 0);

  console.log('ui-bundle-size: the JavaScript of the first page, gzipped (level 9)');
  for (const f of initial) console.log(`  initial ${f}: ${kB(gz(join(dist, f)))}`);
  for (const f of later) console.log(`  later   ${f}: ${kB(gz(join(dist, f)))}`);
  console.log(`  initial route: ${kB(initialGz)}; bare React page built now: ${kB(bare)} (${(initialGz / bare).toFixed(2)}x)`);
  verdict({
    row: 'first page JS, gzipped',
    gofer: kB(initialGz),
    baseline: `${kB(bare)} bare React page (${(initialGz / bare).toFixed(2)}x)`,
    value: initialGz / 1000,
    op: '<=',
    goal: 300,
    unit: ' kB',
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
