#!/usr/bin/env node
// Runs every uvu test file (`*.test.ts`, and `*.test.js` under examples/) in its own Node process (TypeScript through tsx, sources through the
// "gofer-source" export condition), a few at a time, and ends with one line: `N passed, N failed`.
//   node scripts/test.mjs                 every test file
//   node scripts/test.mjs docker cron     only files whose path contains one of the words
// Files named `*.serial.test.ts` run last, one at a time, with nothing beside them (they restart
// the Docker engine or measure load). The files that mostly wait (the swarm's, the packaging test) run in a lane of
// their own beside the others. Lines a test prints starting with `figure:` are echoed.
// The others start longest first (the durations of the last run, kept in
// node_modules/.cache/gofer-test-durations.json; before any run, the folders whose files are
// known to be long), so a long file never starts last with the other workers idle beside it.
// Env: GOFER_TEST_JOBS (default: the cores, at least 2), GOFER_TEST_FILE_TIMEOUT_MS (default 600000),
//      GOFER_REQUIRE_DOCKER=1 (a Docker test that cannot reach an engine fails instead of skipping).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
// One file per core: on the 2-core CI machine the suite is CPU-bound (a third file beside two only
// stretched every file, measured: the long ones neared their hang guard).
const jobs = Number(process.env.GOFER_TEST_JOBS ?? Math.max(2, availableParallelism()));
const fileTimeoutMs = Number(process.env.GOFER_TEST_FILE_TIMEOUT_MS ?? 600_000);
const SEARCH = ['test', 'core', 'plugins', 'extensions', 'examples'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'fixtures', '.git']);
// The examples are what a user copies: a plain-JavaScript plugin's tests are plain JavaScript.
const isTest = (path) => path.endsWith('.test.ts') || (path.startsWith(join(root, 'examples')) && path.endsWith('.test.js'));

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (isTest(path)) out.push(path);
  }
  return out;
}

const files = SEARCH.flatMap((d) => findTests(join(root, d)))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// eslint-disable-next-line no-control-regex -- ANSI colour escapes
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        '--conditions=gofer-source',
        '--import',
        'tsx',
        '--import',
        join(root, 'scripts/uvu-details-hook.mjs'),
        '--import',
        join(root, 'scripts/test-cpu-report.mjs'),
        '--enable-source-maps',
        file,
      ],
      {
        cwd: root,
        env: { ...process.env, FORCE_COLOR: '0', NODE_OPTIONS: '', TSX_TSCONFIG_PATH: join(root, 'tsconfig.tsx.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, fileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = stripAnsi(output);
      const num = (label) => Number((text.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm')) ?? [])[1] ?? NaN);
      const total = num('Total'),
        passed = num('Passed'),
        skipped = num('Skipped');
      let result;
      if (Number.isNaN(total)) {
        result = { passed: 0, failed: 1, skipped: 0 };
      } else {
        result = { passed, skipped, failed: total - passed - skipped };
        if (code !== 0 && result.failed === 0) result.failed = 1; // crashed after its summary
      }
      if (timedOut) result.failed += 1;
      const cpu = /^gofer-test-cpu: ([\d.]+) ([\d.]+)$/m.exec(text);
      const cpuS = cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN;
      resolve({ file, code, output: text, ms: Date.now() - started, cpuS, timedOut, ...result });
    });
  });
}

const results = [];
function report(r) {
  results.push(r);
  const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
  console.log(
    `${mark} ${r.file}  (${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}, ${(r.ms / 1000).toFixed(1)} s${Number.isNaN(r.cpuS) ? '' : `, ${r.cpuS.toFixed(1)} s CPU`})`,
  );
  for (const line of r.output.split('\n')) if (/^\s*figure:/.test(line)) console.log(`     ${line.trim()}`);
  if (r.failed > 0) {
    console.log(
      r.output
        .split('\n')
        .map((l) => `     | ${l}`)
        .join('\n'),
    );
    if (r.timedOut) console.log(`     | killed after ${fileTimeoutMs} ms`);
  }
}

const durationsFile = join(root, 'node_modules/.cache/gofer-test-durations.json');
/** A durations file (`{ file: ms }`), or nothing when it is missing or unreadable. */
function readDurations(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
// Before this tree has run its suite: the durations of a CI run, committed in
// scripts/test-durations.json (refresh it by copying the cache file above after a full run); a
// file neither knows is taken as long when its folder holds the files that take minutes (fault
// trials, installs, browsers).
const LONG_FOLDERS = ['test/reliability/', 'test/packaging/', 'test/ui/', 'plugins/scheduler-swarm/', 'test/contract/'];
const known = { ...readDurations(join(root, 'scripts/test-durations.json')), ...readDurations(durationsFile) };
const expectedMs = (f) => known[f] ?? (LONG_FOLDERS.some((d) => f.startsWith(d)) ? 60_000 : 5_000);

const isSerial = (f) => f.endsWith('.serial.test.ts');
// Files that mostly wait get a lane of their own beside the CPU workers, so they wait while the
// CPU-bound files run instead of holding a core idle: the swarm's files wait on the swarm's own
// scheduling (stop 23's CI: the swarm contract took 3.6 s CPU in 114 s, swarm-scheduler 12 s in
// 87 s), and the packaging test on npm (measured: 115 s CPU, its npm processes included, in 245 s).
const WAIT_BOUND = ['plugins/scheduler-swarm/test/', 'test/packaging/'];
const isWaitBound = (f) => WAIT_BOUND.some((d) => f.startsWith(d));
const byExpected = (a, b) => expectedMs(b) - expectedMs(a) || a.localeCompare(b);
const parallelFiles = files.filter((f) => !isSerial(f));
/** A worker that takes the next file of `queue` until it is empty. */
async function worker(queue) {
  while (queue.length > 0) report(await runFile(queue.shift()));
}
const cpuBound = parallelFiles.filter((f) => !isWaitBound(f)).sort(byExpected);
const waitBound = parallelFiles.filter(isWaitBound).sort(byExpected);
await Promise.all([...Array.from({ length: Math.max(1, jobs) }, () => worker(cpuBound)), worker(waitBound)]);
for (const file of files.filter(isSerial)) report(await runFile(file));

try {
  mkdirSync(join(root, 'node_modules/.cache'), { recursive: true });
  const durations = { ...known };
  for (const r of results) durations[r.file] = r.ms;
  writeFileSync(durationsFile, JSON.stringify(durations, null, 1));
} catch {
  /* timing hints only: a read-only tree runs the same, in folder order */
}

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
const passed = sum('passed'),
  failed = sum('failed'),
  skipped = sum('skipped');
// Where the CPU went (the file's own process and the processes it spawned and waited for; not
// the containers, which the engine runs): what to cut first when the suite is too slow.
const timed = results.filter((r) => !Number.isNaN(r.cpuS)).sort((a, b) => b.cpuS - a.cpuS);
if (timed.length > 0) {
  const total = timed.reduce((n, r) => n + r.cpuS, 0);
  console.log(
    `\nCPU: ${total.toFixed(0)} s in all; the most: ${timed
      .slice(0, 8)
      .map((r) => `${r.file} ${r.cpuS.toFixed(0)} s`)
      .join(', ')}`,
  );
}
console.log('');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
