/**
 * Gofer as a user outside this repository gets it: every workspace package is packed with
 * `npm pack` (its `prepack` builds it), and the tarballs are installed with npm into folders in
 * the system's temp directory, with no workspace around them. Their registry dependencies come
 * from the npm registry (npm's cache, `--prefer-offline`). Then, from those folders:
 *   (a) the embedding example of docs/embedding.md, copied as written, runs a 2-task pipeline on
 *       a slim install (@gofer/core + @gofer/scheduler-process);
 *   (b) a strict NodeNext TypeScript host type-checks against the installed `.d.ts`, and no
 *       declaration file it loads mentions tsyringe;
 *   (c) `npx gofer service start` of the all-in-one `gofer` package serves the web UI and the API,
 *       and the CLI starts a run and prints its logs;
 *   (d) the plain-JavaScript example scheduler (examples/scheduler-plugin-js) installed with
 *       `npm install ../folder` (a symlink) is discovered and runs tasks as processes, and its bad
 *       settings are refused with a message naming it;
 *   (e) that example's own contract test, copied into the install folder (a user's project with
 *       @gofer/testkit and uvu), passes there, run with `node --preserve-symlinks`;
 *   (f) examples/extension-ts, in a folder of its own with @gofer/core and @gofer/testkit from
 *       their tarballs, builds with tsc, passes its own test and packs; its tarball, installed
 *       next to `gofer`, is discovered and starts a run when a file is dropped;
 *   (g) examples/host-app, in a folder of its own with @gofer/core from its tarball, compiles
 *       with tsc and runs with plain node.
 *
 * better-sqlite3 (the SQLite driver on Node 20) builds from source at install time when no
 * prebuilt binary can be downloaded, which takes minutes on a small machine. Its install script
 * (prebuild-install) also looks for a local prebuild first: the test hands it the binary this
 * checkout already built, packed the way prebuilt releases are, through a `.prebuild-installrc`
 * in the install folder. Everything else is the install a user gets. GOFER_PACKAGING_BUILD_NATIVE=1
 * skips that and lets the native build run.
 *
 * On Node 22 and later the stores run on Node's built-in node:sqlite, and the installs use
 * `--omit=optional`, the install docs/operations.md gives for those versions: no native module is
 * built or downloaded, and the test checks that better-sqlite3 is really absent, so everything
 * after it proves the install works without it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../integration/service-harness.js';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'gofer-packaging-'));
const tarballs = join(work, 'tarballs');
/** Node 22 and later have node:sqlite, so better-sqlite3 (an optional dependency) is not needed there. */
const HAS_NODE_SQLITE = Number(process.versions.node.split('.')[0]) >= 22;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...(HAS_NODE_SQLITE ? ['--omit=optional'] : [])];
const figures: string[] = [];

interface Workspace {
  dir: string;
  name: string;
  private?: boolean;
}

function workspaces(): Workspace[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces
    .flatMap((pattern) => (pattern.endsWith('/*') ? readdirSync(join(ROOT, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`) : [pattern]))
    .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
    .map((dir) => ({ dir, ...(JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as { name: string; private?: boolean }) }))
    .filter((w) => !w.private);
}

async function npm(args: string[], cwd: string, env: Record<string, string> = {}) {
  return exec('npm', args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  figures.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** The tarball file of a package, by name. */
const tarball = (name: string) => join(tarballs, `${name.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz`);

/** An example of examples/, copied outside the repository as a user has it: without what a build or install left in it. */
function copyExample(name: string): string {
  const dir = join(work, name);
  const skip = /(^|\/)(node_modules|dist|build-test)(\/|$)|\.tgz$/;
  cpSync(join(ROOT, 'examples', name), dir, { recursive: true, filter: (src) => !skip.test(relative(join(ROOT, 'examples', name), src)) });
  return dir;
}

/** A folder outside the repository with a package.json, and the local-prebuild hint for better-sqlite3. */
function appFolder(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `gofer-packaging-${name}`, private: true, type: 'module' }, null, 2));
  return dir;
}

async function localPrebuild(): Promise<void> {
  if (process.env.GOFER_PACKAGING_BUILD_NATIVE === '1' || HAS_NODE_SQLITE) return;
  const driver = join(ROOT, 'node_modules/better-sqlite3');
  const binary = join(driver, 'build/Release/better_sqlite3.node');
  if (!existsSync(binary)) return; // nothing to reuse: npm builds it
  const { version } = JSON.parse(readFileSync(join(driver, 'package.json'), 'utf8')) as { version: string };
  const prebuilds = join(work, 'prebuilds');
  mkdirSync(prebuilds);
  const file = join(prebuilds, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
  await exec('tar', ['-C', driver, '-czf', file, 'build/Release/better_sqlite3.node']);
  writeFileSync(join(work, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);
}

let prepared: Promise<void> | undefined;
/**
 * The two examples that build in folders of their own: started by prepare() once their installs
 * are done, awaited by their tests, so their tsc runs overlap with the tests before them (which
 * mostly wait on processes).
 */
let extensionPacked: Promise<{ tested: string; tarball: string }> | undefined;
let hostAppBuilt: Promise<unknown> | undefined;

/** Starts work now, for a test to await later; a failure is reported by that test, not as an unhandled rejection. */
function startEarly<T>(work: Promise<T>): Promise<T> {
  work.catch(() => {});
  return work;
}

/**
 * examples/extension-ts as its README has it: `npm test` (tsc of sources and tests, then node)
 * and `npm pack` (whose prepack is the build, tsc), side by side: they write different folders.
 */
async function testAndPackExtension(dir: string): Promise<{ tested: string; tarball: string }> {
  const [tested, packed] = await Promise.all([
    timed('extension-ts: npm test (tsc, then node)', () => npm(['test', '--silent'], dir)),
    timed('extension-ts: npm pack (its prepack builds with tsc)', () => npm(['pack', '--silent'], dir)),
  ]);
  return { tested: tested.stdout, tarball: join(dir, packed.stdout.trim().split('\n').pop()!) };
}

/**
 * Packs every workspace and installs the tarballs into four folders: slim (embedding), full
 * (`gofer`), and copies of examples/extension-ts and examples/host-app, which then build.
 */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    assert.ok(relative(ROOT, work).startsWith('..'), `${work} is outside the repository`);
    mkdirSync(tarballs);
    const all = workspaces();
    assert.ok(all.some((w) => w.name === 'gofer') && all.some((w) => w.name === '@gofer/core'), 'the gofer and @gofer/core workspaces exist');
    // The UI's prepack is the Vite build `npm test` has just run; every other prepack (tsc -b) runs.
    const withScripts = all.filter((w) => w.name !== '@gofer/ui');
    await timed('npm pack of every package', () =>
      Promise.all([
        npm(['pack', '--pack-destination', tarballs, ...withScripts.flatMap((w) => ['-w', w.dir])], ROOT),
        npm(['pack', '--ignore-scripts', '--pack-destination', tarballs, '-w', 'ui'], ROOT),
      ]),
    );
    for (const w of all) assert.ok(existsSync(tarball(w.name)), `packed ${w.name}`);
    figures.push(`tarballs: ${all.map((w) => `${w.name} ${Math.round(Number(readFileSync(tarball(w.name)).length) / 1024)} KB`).join(', ')}`);

    await localPrebuild();

    const slim = appFolder('embed');
    const full = appFolder('app');
    const extension = copyExample('extension-ts');
    const hostApp = copyExample('host-app');
    // Four installs at once: most of an install is waiting (the cache, the disk), so side by side
    // they take little more than the longest of them. The examples build as soon as theirs is done.
    const extensionInstalled = timed('npm install in examples/extension-ts (@gofer/core, @gofer/testkit from tarballs; typescript, uvu)', () =>
      // Its package.json names @gofer/core and @gofer/testkit as devDependencies: the tarballs stand in for the registry.
      npm(['install', ...NPM_FLAGS, '--save-dev', tarball('@gofer/core'), tarball('@gofer/testkit')], extension),
    );
    const hostAppInstalled = timed('npm install in examples/host-app (@gofer/core from its tarball; typescript)', () =>
      npm(['install', ...NPM_FLAGS, tarball('@gofer/core')], hostApp),
    );
    extensionPacked = startEarly(extensionInstalled.then(() => testAndPackExtension(extension)));
    hostAppBuilt = startEarly(hostAppInstalled.then(() => timed('host-app: npm run build (tsc)', () => npm(['run', 'build', '--silent'], hostApp))));
    await Promise.all([
      extensionInstalled,
      hostAppInstalled,
      timed('npm install of @gofer/core + @gofer/scheduler-process', () =>
        // @types/node: the public declarations use Node's types (Buffer, NodeJS.ProcessEnv), as a TypeScript host does.
        npm(['install', ...NPM_FLAGS, tarball('@gofer/core'), tarball('@gofer/scheduler-process'), '@types/node@^20.19.0'], slim),
      ),
      // uvu: the app is also a plugin author's project, running the contract suite in (e).
      timed('npm install of gofer and its sibling tarballs', () => npm(['install', ...NPM_FLAGS, ...all.map((w) => tarball(w.name)), 'uvu@^0.5.6'], full)),
    ]);
    if (HAS_NODE_SQLITE) {
      for (const dir of [slim, full, extension, hostApp])
        assert.not.ok(existsSync(join(dir, 'node_modules/better-sqlite3')), `--omit=optional left better-sqlite3 out of ${dir}`);
      figures.push(`Node ${process.versions.node}: installed with --omit=optional, no native module (the stores run on node:sqlite)`);
    }
  })();
  return prepared;
}

test.before(async () => {
  await prepare();
});

test('every tarball has built JavaScript, declarations, README and LICENSE, and no test or build-info file', async () => {
  for (const w of workspaces()) {
    const { stdout } = await exec('tar', ['-tzf', tarball(w.name)]);
    const files = stdout.split('\n').filter(Boolean);
    for (const f of ['package/package.json', 'package/README.md', 'package/LICENSE']) assert.ok(files.includes(f), `${w.name} ships ${f}`);
    assert.ok(
      files.some((f) => f.endsWith('.d.ts')),
      `${w.name} ships declarations`,
    );
    assert.not.ok(
      files.find((f) => /\.test\.|\/test\/|\.tsbuildinfo$/.test(f)),
      `${w.name} ships no tests or build info`,
    );
  }
});

test('(a) the embedding example of docs/embedding.md runs a 2-task pipeline from a slim install', async () => {
  const doc = readFileSync(join(ROOT, 'docs/embedding.md'), 'utf8');
  const code = /<!-- packaging-test: main\.mjs[^>]*-->\n```js\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, 'docs/embedding.md has the tested example');
  const dir = join(work, 'embed');
  writeFileSync(join(dir, 'main.mjs'), code);
  const { stdout } = await exec(process.execPath, ['main.mjs'], { cwd: dir, env: cleanEnv(), timeout: 60_000 });
  assert.equal(stdout.trim().split('\n'), ['hello from greet', 'goodbye after greet', 'run 1: successful']);
});

test('(a) the core alone, without a scheduler: ERR_PLUGIN_NOT_INSTALLED naming the package, root and GOFER_ROOT', async () => {
  const dir = join(work, 'embed');
  const script = "import { createGofer } from '@gofer/core'; await createGofer({ config: { dataDir: ':memory:', scheduler: 'docker' } });";
  const failed = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: cleanEnv(), timeout: 60_000 }).then(
    () => undefined,
    (err: { stderr: string }) => err,
  );
  assert.ok(failed, 'createGofer failed');
  assert.match(failed.stderr, /ERR_PLUGIN_NOT_INSTALLED/);
  assert.match(failed.stderr, /@gofer\/scheduler-docker/);
  assert.match(failed.stderr, /GOFER_ROOT/);
  assert.ok(failed.stderr.includes(join(dir, 'node_modules')), failed.stderr);
});

test('(b) a strict NodeNext TypeScript host type-checks against the installed declarations, none of them naming tsyringe', async () => {
  const dir = join(work, 'embed');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['host.ts'],
    }),
  );
  writeFileSync(
    join(dir, 'host.ts'),
    [
      "import { createGofer, isGoferError, type Gofer, type Run, type RunStatus } from '@gofer/core';",
      "import { defineScheduler, type SchedulerDefinition } from '@gofer/core/api';",
      '',
      'const scheduler: SchedulerDefinition = defineScheduler({',
      "  name: 'typed',",
      '  apiVersion: 1,',
      '  create: () => ({',
      '    startContainer: async (req) => ({ schedulerId: req.id }),',
      '    stopContainer: async () => {},',
      "    getState: async () => ({ state: 'exited' as const, exitCode: 0 }),",
      '    getLogs: async () => (async function* () {})(),',
      '  }),',
      '});',
      "const gofer: Gofer = await createGofer({ plugins: [scheduler], config: { scheduler: 'typed', dataDir: ':memory:' } });",
      "const run: Run = await gofer.runs.start('hello');",
      "if (!isGoferError(new Error('x'), 'ERR_NOT_FOUND')) console.log(run.runId);",
      'const status: RunStatus = run.status;',
      "gofer.events.on((event) => { if (event.type === 'run.completed') { const s: RunStatus = event.payload.status; void s; } });",
      'void status;',
      'await gofer.close();',
      '',
    ].join('\n'),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = await exec(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFilesOnly'], { cwd: dir }).catch((err: { stdout: string }) => err);
  const check = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(
    () => '',
    (err: { stdout: string }) => err.stdout,
  );
  assert.equal(check, '', 'tsc reports no error');
  const declarations = result.stdout.split('\n').filter((f) => f.includes('/node_modules/@gofer/'));
  assert.ok(declarations.length > 5, 'the host loaded the installed declarations');
  const leaking = declarations.filter((f) => /tsyringe/.test(readFileSync(f, 'utf8')));
  assert.equal(leaking, [], 'no public declaration mentions tsyringe');
});

test('(c) npx gofer service start from the install folder serves the UI and the API; the CLI runs a pipeline and prints its logs', async () => {
  const dir = join(work, 'app');
  const service = await startService(dir, []);
  try {
    const page = await fetch(`${service.url}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<script[^>]+src="\/assets\/[^"]+\.js"/, 'the built UI from @gofer/ui is served');

    const env = { GOFER_HOST: service.url };
    const boot = JSON.parse((await cli(dir, ['--json', 'token', 'bootstrap'], env)).stdout) as { secret: string };
    const authed = { ...env, GOFER_TOKEN: boot.secret };
    writeFileSync(
      join(dir, 'hello.json'),
      JSON.stringify({
        id: 'hello',
        name: 'Hello',
        tasks: [{ id: 'say', image: 'none', command: ['node', '-e', 'console.log("hi from an installed gofer")'] }],
      }),
    );
    await cli(dir, ['pipeline', 'create', 'hello.json'], authed);
    const started = await cli(dir, ['run', 'start', 'hello', '--wait'], authed);
    assert.match(started.stdout, /hi from an installed gofer/);
    const logs = await cli(dir, ['task', 'logs', 'hello', '1', 'say'], authed);
    assert.equal(logs.stdout.trim(), 'hi from an installed gofer');
    const plugins = await cli(dir, ['plugin', 'list'], authed);
    for (const name of ['process', 'docker', 'cron', 'interval', 'webhook']) assert.match(plugins.stdout, new RegExp(`\\b${name}\\b`), plugins.stdout);
  } finally {
    await service.stop();
    assert.match(service.stdout(), /Gofer service stopped/, `the service stopped cleanly:\n${service.stderr()}`);
  }
});

test('(d) the plain-JavaScript example scheduler, installed with npm install ../folder, runs tasks as processes; bad settings are refused by name', async () => {
  const dir = join(work, 'app');
  const plugin = copyExample('scheduler-plugin-js');
  await timed('npm install ../scheduler-plugin-js (a symlink)', () => npm(['install', ...NPM_FLAGS, '../scheduler-plugin-js'], dir));
  assert.ok(existsSync(join(dir, 'node_modules/gofer-scheduler-local-js/index.js')), 'linked');
  assert.not.ok(existsSync(join(plugin, 'node_modules')), "the plugin folder has no node_modules: it must use the host's core");

  const script = [
    "import { createGofer } from '@gofer/core';",
    "const gofer = await createGofer({ config: { scheduler: 'local-js', dataDir: ':memory:', discover: true, logLevel: 'warn', schedulers: { 'local-js': { stopTimeoutMs: 2000 } } } });",
    "await gofer.pipelines.register({ id: 'plugged', name: 'plugged', tasks: [{ id: 'say', image: 'none', command: ['/bin/sh', '-c', 'echo made by a plugin: $WHO; exit 3'], variables: { WHO: 'local-js' } }] });",
    "const run = await gofer.runs.start('plugged');",
    "const done = await gofer.runs.wait('plugged', run.runId);",
    "for await (const c of gofer.tasks.logs('plugged', run.runId, 'say')) process.stdout.write(c);",
    "const [task] = await gofer.tasks.list('plugged', run.runId);",
    'console.log(done.status, task.exitCode);',
    'await gofer.close();',
  ].join('\n');
  const ok = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: cleanEnv(), timeout: 60_000 });
  assert.equal(ok.stdout.trim().split('\n'), ['made by a plugin: local-js', 'failed 3']);

  const bad =
    "import { createGofer } from '@gofer/core'; await createGofer({ config: { scheduler: 'local-js', dataDir: ':memory:', schedulers: { 'local-js': { stopTimeoutMs: -1 } } } });";
  const failed = await exec(process.execPath, ['--input-type=module', '-e', bad], { cwd: dir, env: cleanEnv(), timeout: 60_000 }).then(
    () => undefined,
    (err: { stderr: string }) => err,
  );
  assert.ok(failed, 'bad settings stop start-up');
  assert.match(failed.stderr, /ERR_PLUGIN_SETTINGS_INVALID/);
  assert.match(failed.stderr, /gofer-scheduler-local-js|scheduler "local-js"|\/schedulers\/local-js\/stopTimeoutMs/);
  assert.not.match(failed.stderr, /gofer\.config\.json/, 'settings given to createGofer do not send the user to a config file');
});

test("(e) the example scheduler's contract test, copied into a user's project, passes there with node --preserve-symlinks", async () => {
  const dir = join(work, 'app');
  mkdirSync(join(dir, 'test'), { recursive: true });
  for (const file of ['contract.test.js', 'factory.js']) cpSync(join(ROOT, 'examples/scheduler-plugin-js/test', file), join(dir, 'test', file));
  // Without the flag Node follows the symlink to the plugin's own folder, which has no
  // node_modules: its `import '@gofer/core/api'` is not found there. uvu, whose `before` hook
  // (the suite's) fails, says only that nothing passed; the import itself says why.
  const load = "await import('./test/factory.js')";
  const plain = await exec(process.execPath, ['--input-type=module', '-e', load], { cwd: dir, env: cleanEnv(), timeout: 60_000 }).then(
    () => undefined,
    (err: { stderr: string }) => err,
  );
  assert.ok(plain, 'without --preserve-symlinks the factory cannot load the plugin');
  assert.match(plain.stderr, /Cannot find package '@gofer\/core' imported from .*scheduler-plugin-js\/index\.js/);
  await exec(process.execPath, ['--preserve-symlinks', '--input-type=module', '-e', load], { cwd: dir, env: cleanEnv(), timeout: 60_000 });

  const { stdout } = await timed('the contract suite of scheduler-plugin-js, run in the install folder', () =>
    exec(process.execPath, ['--preserve-symlinks', 'test/contract.test.js'], { cwd: dir, env: cleanEnv(), timeout: 300_000 }),
  );
  const summary = (label: string) => Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(stdout)?.[1]);
  assert.ok(summary('Total') >= 14, stdout);
  assert.is(summary('Passed'), summary('Total'), stdout);
  figures.push(`scheduler-plugin-js contract suite outside the repository: ${summary('Passed')} of ${summary('Total')} passed`);
});

test('(f) examples/extension-ts builds, passes its own test and packs outside the repository; its tarball is discovered and starts a run', async () => {
  const { tested, tarball: file } = await extensionPacked!;
  assert.match(tested, /Total:\s+3\b[\s\S]*Passed:\s+3\b/, tested);
  const { stdout: listing } = await exec('tar', ['-tzf', file]);
  assert.equal(listing.split('\n').filter(Boolean).sort(), ['package/README.md', 'package/dist/index.d.ts', 'package/dist/index.js', 'package/package.json']);

  const dir = join(work, 'app');
  await timed('npm install of the extension-ts tarball', () => npm(['install', ...NPM_FLAGS, file], dir));
  const drop = join(work, 'drop');
  mkdirSync(drop);
  const script = [
    "import { writeFileSync } from 'node:fs';",
    "import { createGofer } from '@gofer/core';",
    `const drop = ${JSON.stringify(drop)};`,
    "const gofer = await createGofer({ config: { scheduler: 'process', dataDir: ':memory:', discover: true, logLevel: 'warn', extensions: { 'file-drop': { pollMs: 20 } } } });",
    "const info = gofer.plugins.list().find((p) => p.name === 'file-drop');",
    'console.log(info.kind, info.status, info.source, info.packageName);',
    "await gofer.pipelines.register({ id: 'dropped', name: 'dropped', tasks: [{ id: 'show', image: 'none', command: ['/bin/sh', '-c', 'echo got $DROPPED_FILE'] }] });",
    "await gofer.subscriptions.create({ pipelineId: 'dropped', extension: 'file-drop', label: 'inbox', settings: { dir: drop } });",
    "writeFileSync(drop + '/report.csv', 'a,b\\n');",
    'let runs = [];',
    "for (let i = 0; i < 500 && runs.length === 0; i++) { runs = await gofer.runs.list('dropped'); await new Promise((r) => setTimeout(r, 20)); }",
    "const done = await gofer.runs.wait('dropped', runs[0].runId);",
    "for await (const c of gofer.tasks.logs('dropped', done.runId, 'show')) process.stdout.write(c);",
    'console.log(done.status, done.initiator.kind, done.initiator.name);',
    'await gofer.close();',
  ].join('\n');
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: cleanEnv(), timeout: 60_000 });
  assert.equal(stdout.trim().split('\n'), [
    'extension active scan gofer-extension-file-drop',
    `got ${join(drop, 'report.csv')}`,
    'successful extension file-drop',
  ]);
});

test('(g) examples/host-app compiles with tsc against the installed @gofer/core and runs with plain node', async () => {
  const dir = join(work, 'host-app');
  await hostAppBuilt;
  assert.ok(existsSync(join(dir, 'dist/main.js')), 'built');
  const { stdout } = await exec('npm', ['start', '--silent'], { cwd: dir, env: cleanEnv(), timeout: 60_000 });
  assert.equal(stdout.trim().split('\n'), [
    'event task.completed greet successful',
    'event task.completed farewell successful',
    'run 1 successful (started by extension host-trigger)',
    'task farewell successful: goodbye | GREETING=hi from the host RUN=1',
    'task greet successful: hello | GREETING=hi from the host RUN=1',
  ]);
});

test.after(() => {
  // On a line of its own: uvu's progress dots end with no newline, and a figure after them is not at a line's start.
  console.log('');
  for (const line of figures) console.log(`figure: packaging: ${line}`);
  if (process.env.GOFER_PACKAGING_KEEP === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

/** The environment of a user's shell: none of this checkout's GOFER_* or test settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOFER_') && k !== 'NODE_OPTIONS' && !k.startsWith('TSX_')) env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

function cli(dir: string, args: string[], env: Record<string, string>) {
  return exec(join(dir, 'node_modules/.bin/gofer'), args, { cwd: dir, env: cleanEnv(env), timeout: 60_000 });
}

async function startService(dir: string, args: string[]) {
  const child: ChildProcess = spawn('npx', ['gofer', 'service', 'start', '--bind', '127.0.0.1', '--port', '0', ...args], {
    cwd: dir,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npx runs the service in a child, and SIGTERM goes to both, as Ctrl-C would.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the service exited with ${code} before listening:\n${stderr}`)));
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('close', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}

test.run();
