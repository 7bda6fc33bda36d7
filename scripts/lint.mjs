#!/usr/bin/env node
// `npm run lint`: the build (the UI's generated API client and every package's declarations
// come from it), then the independent checks side by side, GOFER_LINT_JOBS at a time (default:
// the machine's cores, at most 4). Each check's output is printed whole when it ends, under its
// name, so the log reads as if they had run one after another. Exits 1 when any check failed,
// after naming every one that did.
//   node scripts/lint.mjs              build, then every check
//   node scripts/lint.mjs eslint       only the checks whose name contains a word (no build)
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Longest first, so the short ones fill in beside them.
const CHECKS = [
  { name: 'eslint', script: 'lint:code' },
  { name: 'types of tests and scripts', script: 'lint:types' },
  { name: 'API reports', script: 'api:check' },
  { name: 'prettier', script: 'format:check' },
  { name: 'dependency rules', script: 'lint:deps' },
];
const words = process.argv.slice(2);
const jobs = Number(process.env.GOFER_LINT_JOBS ?? Math.min(4, availableParallelism()));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

if (words.length === 0) {
  const build = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('lint: the build failed (above); fix it first');
    process.exit(1);
  }
}

const selected = CHECKS.filter((c) => words.length === 0 || words.some((w) => c.name.includes(w) || c.script.includes(w)));
function run(check) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(npm, ['run', check.script, '--silent'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`\n--- ${check.name} (npm run ${check.script}): ${code === 0 ? 'ok' : 'FAILED'}, ${seconds} s`);
      if (output.trim()) console.log(output.trimEnd());
      resolve({ check, ok: code === 0 });
    });
  });
}

const results = [];
let next = 0;
async function worker() {
  while (next < selected.length) results.push(await run(selected[next++]));
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
const failed = results.filter((r) => !r.ok).map((r) => `${r.check.name} (npm run ${r.check.script})`);
if (failed.length > 0) {
  console.log(`\nlint failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nlint: ${results.length} checks passed`);
