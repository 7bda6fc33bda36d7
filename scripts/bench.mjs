#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ one after another (they measure, so never in
// parallel) and prints their reports. Each prints ratios against a baseline measured in the
// same run. `npm run bench -- orchestrator` runs only the scripts whose name contains a word.
// The Docker benchmarks need an engine: bash scripts/docker-up.sh
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const words = process.argv.slice(2);
const KIT = /-kit\.ts$/; // shared helpers, not benchmarks
const scripts = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !KIT.test(f))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n=== bench/${script}`);
  const { status } = spawnSync(process.execPath, ['--expose-gc', '--conditions=gofer-source', '--import', 'tsx', join('bench', script)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.tsx.json') },
  });
  if (status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
