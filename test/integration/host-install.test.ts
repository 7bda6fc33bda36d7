/**
 * A plugin installed with a real `npm install` into a throw-away host app is discovered by a
 * scan of that app's node_modules and used, with the built packages and plain Node (no tsx):
 * the way a user installs Gofer and a plugin.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'gofer-host-install-'));
const hostApp = join(work, 'host-app');
// A local plugin folder inside the host app, as a team keeps an in-house plugin next to its app.
const pluginSrc = join(hostApp, 'local-plugins', 'gofer-scheduler-echo');

// A scheduler plugin as a third party would publish it: plain JS, a manifest, a peer on the core.
function writePlugin(): void {
  mkdirSync(pluginSrc, { recursive: true });
  writeFileSync(
    join(pluginSrc, 'package.json'),
    JSON.stringify(
      {
        name: 'gofer-scheduler-echo',
        version: '1.2.3',
        type: 'module',
        gofer: { kind: 'scheduler', name: 'echo', apiVersion: 1, entry: './index.js' },
        peerDependencies: { '@gofer/core': '*' },
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(pluginSrc, 'index.js'),
    `
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineScheduler } from '@gofer/core/api';
export default defineScheduler({
  name: 'echo', apiVersion: 1,
  settingsSchema: { type: 'object', properties: { prefix: { type: 'string', default: 'echo:' } } },
  create(ctx, settings) {
    const journal = join(ctx.dataDir, 'journal.log');
    const outputs = new Map();
    return {
      async startContainer(req) {
        appendFileSync(journal, req.id + '\\n');
        outputs.set(req.id, settings.prefix + (req.command ?? []).join(' ') + '\\n');
        return { schedulerId: req.id };
      },
      async stopContainer() {},
      async getState() { return { state: 'exited', exitCode: 0 }; },
      async getLogs({ schedulerId }) {
        const text = outputs.get(schedulerId) ?? '';
        return (async function* () { yield { stream: 'stdout', data: new TextEncoder().encode(text) }; })();
      },
    };
  },
});
`,
  );
}

function writeHostApp(): void {
  mkdirSync(hostApp, { recursive: true });
  writeFileSync(join(hostApp, 'package.json'), JSON.stringify({ name: 'host-app', private: true, type: 'module' }, null, 2));
  writeFileSync(
    join(hostApp, 'gofer.config.json'),
    JSON.stringify({ scheduler: 'echo', schedulers: { echo: { prefix: 'said:' } }, dataDir: './data', logLevel: 'warn' }, null, 2),
  );
  writeFileSync(
    join(hostApp, 'app.mjs'),
    `
import { createGofer } from '@gofer/core';
const gofer = await createGofer();
const report = { plugins: gofer.plugins.list().map(({ kind, name, status, source, packageName, version }) => ({ kind, name, status, source, packageName, version })) };
try {
  await gofer.pipelines.register({ id: 'hello', name: 'Hello', tasks: [{ id: 'greet', image: 'none', command: ['hi', 'there'] }] });
  const run = await gofer.runs.start('hello');
  report.run = await gofer.runs.wait('hello', run.runId);
  let logs = '';
  for await (const chunk of gofer.tasks.logs('hello', run.runId, 'greet')) logs += new TextDecoder().decode(chunk);
  report.logs = logs;
} catch (err) {
  report.runError = String(err && err.code || err);
}
await gofer.close();
console.log(JSON.stringify(report));
`,
  );
}

const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 120_000 });

test('npm install of a local plugin folder into a host app: discovered by the scan, active, used for a run', async () => {
  assert.ok(existsSync(join(repo, 'core/dist/index.js')), 'build first: npm run build');
  // One real `npm install` of two local folders: the core (as a host app would install it from a
  // checkout) and the plugin folder. npm links folders; the plugin must then resolve @gofer/core
  // from the host app's node_modules, as any installed plugin does.
  writeHostApp();
  writePlugin();
  await npm(['install', join(repo, 'core'), './local-plugins/gofer-scheduler-echo'], hostApp);
  assert.ok(existsSync(join(hostApp, 'node_modules/gofer-scheduler-echo/package.json')));

  const { stdout } = await run(process.execPath, ['app.mjs'], { cwd: hostApp, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  const report = JSON.parse(stdout.trim().split('\n').pop()!);
  const echo = report.plugins.find((p: { name: string }) => p.name === 'echo');
  assert.equal(echo, { kind: 'scheduler', name: 'echo', status: 'active', source: 'scan', packageName: 'gofer-scheduler-echo', version: '1.2.3' });
  assert.equal(report.runError, undefined, `the run failed: ${report.runError}`);
  assert.equal(report.run.status, 'successful');
  assert.equal(report.logs, 'said:hi there\n');
  const journal = readFileSync(join(hostApp, 'data/plugins/scheduler/echo/journal.log'), 'utf8');
  assert.equal(journal.trim().split('\n').length, 1, 'the plugin started exactly one container');
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
