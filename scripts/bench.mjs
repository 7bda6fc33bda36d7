#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ one after another (they measure, so never in
// parallel), prints their reports, then one summary table of every verdict row. Each row compares
// Gofer with a baseline measured in the same run (bench/verdict-kit.ts); the scripts append their
// rows as JSON lines to the file named by GOFER_BENCH_SUMMARY, which this runner creates.
//   npm run bench                         every script
//   npm run bench -- orchestrator http    only the scripts whose name contains one of the words
//   npm run bench -- --json out.json      also writes the rows (and failed scripts) as JSON
//   npm run bench -- --timeout 10         stops a script after 10 minutes (default 20): a wedged
//                                         engine then costs one failed row, not the whole run
// The Docker benchmarks need an engine: bash scripts/docker-up.sh
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const words = [];
let jsonOut;
let timeoutMinutes = 20;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') {
    jsonOut = args[++i];
    if (!jsonOut) {
      console.error('bench: --json needs a file name');
      process.exit(2);
    }
  } else if (args[i] === '--timeout') {
    timeoutMinutes = Number(args[++i]);
    if (!(timeoutMinutes > 0)) {
      console.error('bench: --timeout needs a number of minutes');
      process.exit(2);
    }
  } else words.push(args[i]);
}
const KIT = /-kit\.ts$/; // shared helpers, not benchmarks
const scripts = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !KIT.test(f))
  .filter((f) => words.length === 0 || words.some((w) => f.includes(w)))
  .sort();
if (scripts.length === 0) {
  console.error(`bench: no script in bench/ matches ${words.join(', ')}`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'gofer-bench-summary-'));
/** Every verdict row, in the order the scripts printed them, and one row per failed script. */
const rows = [];
let failed = 0;
try {
  for (const script of scripts) {
    console.log(`\n=== bench/${script}`);
    const summary = join(dir, `${script}.jsonl`);
    writeFileSync(summary, '');
    const { status, signal, error } = spawnSync(process.execPath, ['--expose-gc', '--conditions=gofer-source', '--import', 'tsx', join('bench', script)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.tsx.json'), GOFER_BENCH_SUMMARY: summary },
      timeout: timeoutMinutes * 60_000,
    });
    const own = readFileSync(summary, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ ...JSON.parse(line), script }));
    rows.push(...own);
    if (status !== 0 || own.length === 0) {
      failed++;
      const why = error?.code === 'ETIMEDOUT' ? `timeout after ${timeoutMinutes} min` : status !== 0 ? `exit ${status ?? signal}` : 'no verdict';
      rows.push({
        row: `${script}: failed / no verdict`,
        gofer: '',
        baseline: '',
        value: NaN,
        op: '',
        goal: NaN,
        unit: '',
        met: false,
        script,
        load1: Number(loadavg()[0].toFixed(1)),
        failed: why,
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (v) =>
  !Number.isFinite(v) ? '' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
const table = [
  ['row', 'gofer', 'baseline', 'value', 'goal', 'verdict', 'load', 'script'],
  ...rows.map((r) => [
    r.row,
    r.gofer,
    r.baseline,
    r.failed ? '' : `${fmt(r.value)}${r.unit}`,
    r.failed ? '' : `${r.op} ${r.goal}${r.unit}`,
    r.failed ? `FAILED (${r.failed})` : r.met ? 'MET' : 'NOT MET',
    String(r.load1),
    r.script,
  ]),
];
const widths = table[0].map((_, c) => Math.max(...table.map((line) => line[c].length)));
const print = (line) =>
  console.log(
    line
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
console.log(
  `\n=== summary (${scripts.length} script${scripts.length === 1 ? '' : 's'}, load average now ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')})`,
);
print(table[0]);
print(widths.map((w) => '-'.repeat(w)));
for (const line of table.slice(1)) print(line);
const met = rows.filter((r) => r.met).length;
console.log(`${met} of ${rows.length} rows met${failed ? `; ${failed} script${failed === 1 ? '' : 's'} failed or gave no verdict` : ''}`);

if (jsonOut) {
  const file = resolve(process.cwd(), jsonOut);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.versions.node, rows }, null, 2)}\n`);
  console.log(`rows written to ${file}`);
}
process.exit(failed > 0 ? 1 : 0);
