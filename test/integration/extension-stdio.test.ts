/**
 * Out-of-process extensions over the stdio protocol, against real processes (python3, sh):
 * the Python example starts runs; a crash is logged, the process restarted with backoff, its
 * subscriptions re-sent, and a replayed event does not start a second run; garbage lines are
 * ignored; a subscribe that is never answered times out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Extension, PluginManifest } from '@gofer/core/api';
import { createStdioExtensionDefinition } from '../../core/src/plugin-host/stdio-definition.js';
import type { StdioExtension, StdioExtensionOptions } from '../../core/src/plugin-host/stdio/stdio-extension.js';
import { FakeClock } from './extension-helpers/fake-clock.js';
import { fakeContext } from './extension-helpers/fake-context.js';
import { waitFor } from '../helpers/wait-for.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dirs: string[] = [];
const instances: Extension[] = [];

function definitionFor(packageDir: string, command: string[], name: string, options: StdioExtensionOptions = {}) {
  const manifest = { kind: 'extension', name, apiVersion: 1, command } as PluginManifest & { command: string[] };
  return createStdioExtensionDefinition({ manifest, packageName: name, packageDir }, options);
}

async function start(packageDir: string, command: string[], options: StdioExtensionOptions = {}, settings: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gofer-stdio-test-'));
  dirs.push(dataDir);
  const ctx = fakeContext({ dataDir });
  const ext = (await definitionFor(packageDir, command, 'test', options).create(ctx, settings)) as StdioExtension;
  instances.push(ext);
  return { ctx, ext };
}

test.after(async () => {
  await Promise.all(instances.map(async (i) => i.close?.()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the Python example extension subscribes and starts runs with its variables', async () => {
  const { ctx, ext } = await start(join(here, '../../examples/extension-python'), ['python3', '-u', 'ext.py'], {}, { minimumSeconds: 1 });
  await ext.subscribe({ subscriptionId: 'tick-1', pipelineId: 'p', settings: { every_seconds: '1', message: 'hello from python' } });
  await waitFor('a run from the python ticker', () => ctx.started.length >= 1, { timeoutMs: 5_000 });
  const req = ctx.started[0]!;
  assert.is(req.subscriptionId, 'tick-1');
  assert.is(req.variables.TICKER_MESSAGE, 'hello from python');
  assert.match(req.eventId ?? '', /^tick-1:\d+$/);
  assert.ok(
    ctx.logger.entries.some((e) => e.message === 'ticking'),
    'log messages reach the host logger',
  );
  await ext.close?.();
  assert.is(ext.status().state, 'stopped');
});

test("a refused subscribe rejects with the extension's reason", async () => {
  const { ext } = await start(join(here, '../../examples/extension-python'), ['python3', '-u', 'ext.py'], {}, { minimumSeconds: 5 });
  try {
    await ext.subscribe({ subscriptionId: 'too-fast', pipelineId: 'p', settings: { every_seconds: '1' } });
    assert.unreachable('should be refused');
  } catch (err) {
    assert.match((err as Error).message, /every_seconds must be a whole number >= 5/);
  }
  await ext.close?.();
});

test('a crash is reported, the process restarted, subscriptions re-sent, a replayed event not run twice', async () => {
  const { ctx, ext } = await start(join(here, 'extension-fixtures/crash-once'), ['python3', '-u', 'ext.py'], { backoff: { initialMs: 50 } });
  const crashes: Array<{ exitCode: number | null; restartInMs: number }> = [];
  ext.onCrash((c) => crashes.push(c));
  await ext.subscribe({ subscriptionId: 'sub-a', pipelineId: 'p', settings: {} });
  await waitFor('the run asked for after the restart', () => ctx.started.some((r) => r.eventId === 'after-restart'));
  assert.equal(crashes, [{ exitCode: 3, signal: null, restartInMs: 50 }]);
  assert.equal(
    ctx.started.map((r) => r.eventId),
    ['boot', 'after-restart'],
    'the replayed "boot" event started no second run',
  );
  assert.is(ctx.started[0]!.variables.LIFE, '1');
  assert.is(ext.status().restarts, 1);
  assert.is(ext.status().state, 'running');
  const ignored = ctx.logger.entries.filter((e) => e.message.includes('not a protocol message'));
  assert.is(ignored.length, 2, 'the garbage line and the unknown type are logged and ignored');
  assert.match(String(ignored[1]!.fields.problem), /unknown "type" "teleport"/);
  assert.ok(ctx.logger.entries.some((e) => e.level === 'error' && e.message.includes('crashed')));
  // The second life keeps serving: its runStarted answers arrive and are acknowledged in logs.
  await waitFor('the answer to r2', () => ctx.logger.entries.some((e) => e.message === 'run started' && e.fields.requestId === 'r2'));
  await ext.close?.();
});

test('a subscribe that is never answered times out cleanly', async () => {
  const { ext } = await start(join(here, 'extension-fixtures/silent'), ['python3', '-u', 'ext.py'], { subscribeTimeoutMs: 300 });
  try {
    await ext.subscribe({ subscriptionId: 'ignored', pipelineId: 'p', settings: {} });
    assert.unreachable('should time out');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_EXTENSION_UNAVAILABLE');
    assert.match((err as Error).message, /did not answer "subscribe" within 300 ms/);
  }
  await ext.close?.();
  assert.is(ext.status().state, 'stopped');
});

test('restarts back off exponentially up to the cap, and close stops restarting', async () => {
  const clock = new FakeClock(Date.now());
  const { ext } = await start(here, ['sh', '-c', 'exit 7'], { backoff: { initialMs: 20, maxMs: 80 }, clock });
  const delays: number[] = [];
  ext.onCrash((c) => delays.push(c.restartInMs));
  for (let crash = 1; crash <= 5; crash++) {
    await waitFor(`crash ${crash}`, () => delays.length >= crash);
    assert.is(clock.pending, 1, 'one restart scheduled');
    await clock.advance(delays[crash - 1]!);
  }
  assert.equal(delays.slice(0, 5), [20, 40, 80, 80, 80]);
  await ext.close?.();
  assert.is(ext.status().state, 'stopped');
  assert.is(clock.pending, 0, 'no restart is scheduled after close');
});

test('a missing executable fails create with a clear error', async () => {
  try {
    await definitionFor(here, ['gofer-no-such-binary-xyz'], 'missing').create(fakeContext(), {});
    assert.unreachable('should fail');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_EXTENSION_UNAVAILABLE');
    assert.match((err as Error).message, /gofer-no-such-binary-xyz/);
  }
});

test('a process that ignores shutdown is terminated on close', async () => {
  const { ext } = await start(here, ['sh', '-c', 'trap "" TERM; while true; do sleep 0.05; done'], { shutdownGraceMs: 100 });
  const pid = ext.status().pid!;
  await ext.close?.();
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch {
    alive = false;
  }
  assert.is(alive, false);
});

test.run();
