/**
 * Out-of-process extensions loaded by createGofer from plugin folders: the Python example
 * starts runs whose tasks see its variables; an extension that crashes is reported
 * (`extension.crashed`), restarted with its subscriptions, never starts a run twice for one
 * event, and the host keeps serving throughout.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, type GoferEvent } from '@gofer/core';

import { goferForExtensions, taskOutput } from './extension-helpers/gofer-for-extensions.js';
import { waitFor } from '../helpers/wait-for.js';

const IMG = 'gofer-test/busybox:latest';
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

test('python extensions start runs; a crashing one is restarted while the host keeps serving', async () => {
  const { gofer, logger } = await goferForExtensions({
    config: {
      pluginDirs: [here('../../examples/extension-python'), here('./extension-fixtures/crash-once')],
      extensions: { 'python-ticker': { minimumSeconds: 1 } },
    },
  });
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  let pids: number[] = [];
  try {
    const extensions = await gofer.extensions.list();
    assert.equal(extensions.map((e) => [e.name, e.status, e.process?.state]).sort(), [
      ['crash-once', 'active', 'running'],
      ['python-ticker', 'active', 'running'],
    ]);
    pids = extensions.map((e) => e.process!.pid!);

    await gofer.pipelines.register(new Pipeline('ticked', 'Ticked').tasks(new Task('show', IMG).command('sh', '-c', 'echo "message=$TICKER_MESSAGE"')).build());
    await gofer.pipelines.register(new Pipeline('crashy', 'Crashy').tasks(new Task('noop', IMG).command('true')).build());

    // The manifest's subscriptionSchema is enforced before the process sees anything.
    const invalid = await gofer.subscriptions
      .create({ pipelineId: 'ticked', extension: 'python-ticker', label: 'x', settings: { every_seconds: 'often' } })
      .catch((e: { code: string }) => e.code);
    assert.is(invalid, 'ERR_INVALID_ARGUMENT');

    const tick = await gofer.subscriptions.create({
      pipelineId: 'ticked',
      extension: 'python-ticker',
      label: 'tick',
      settings: { every_seconds: '1', message: 'hi from python' },
    });
    assert.is(tick.status, 'active');
    await waitFor('a run from the python ticker', async () => (await gofer.runs.list('ticked')).length >= 1);
    const run = await gofer.runs.wait('ticked', 1);
    assert.equal(run.initiator, { kind: 'extension', name: 'python-ticker', subscriptionId: tick.subscriptionId, reason: 'python ticker: 1 s elapsed' });
    assert.match(await taskOutput(gofer, 'ticked', 1, 'show'), /^message=hi from python/);

    const crashSub = await gofer.subscriptions.create({ pipelineId: 'crashy', extension: 'crash-once', label: 'main' });
    assert.is(crashSub.status, 'active');
    await waitFor('extension.crashed', () => events.some((e) => e.type === 'extension.crashed'));
    const crashed = events.find((e) => e.type === 'extension.crashed')!;
    assert.equal(crashed.payload, { extension: 'crash-once', exitCode: 3, restartInMs: 250 });
    // The restarted process logs each answer it reads: once both are in, the replayed "boot"
    // request has been answered (with the first run), so no further run can come of it.
    const answered = (requestId: string) =>
      logger.entries.some((e) => e.message === 'run started' && e.fields.plugin === 'extension/crash-once' && e.fields.requestId === requestId);
    await waitFor('the restarted extension to read both answers', () => answered('r1') && answered('r2'));
    const crashyRuns = (await gofer.runs.list('crashy')).sort((a, b) => a.runId - b.runId);
    assert.equal(
      crashyRuns.map((r) => r.initiator.reason),
      ['boot', 'after restart'],
      'the replayed "boot" event started no second run',
    );
    const info = await gofer.extensions.get('crash-once');
    assert.is(info.process!.restarts, 1);
    assert.is(info.process!.state, 'running');
    assert.is((await gofer.subscriptions.get(crashSub.subscriptionId)).status, 'active');

    // The host kept serving: the other extension keeps ticking after the crash.
    const before = (await gofer.runs.list('ticked')).length;
    await waitFor('another tick after the crash', async () => (await gofer.runs.list('ticked')).length > before);
    pids = [...pids, info.process!.pid!];
    for (const p of ['ticked', 'crashy']) for (const r of await gofer.runs.list(p)) await gofer.runs.wait(p, r.runId);
  } finally {
    await gofer.close();
  }
  for (const pid of pids) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    assert.is(alive, false, `extension process ${pid} is gone after close`);
  }
});

test('a subscription the restarted process refuses is marked error with its reason', async () => {
  const { gofer } = await goferForExtensions({ config: { pluginDirs: [here('./extension-fixtures/refuse-after-restart')] } });
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  try {
    await gofer.pipelines.register(new Pipeline('refused', 'Refused').tasks(new Task('noop', IMG).command('true')).build());
    const sub = await gofer.subscriptions.create({ pipelineId: 'refused', extension: 'refuse-after-restart', label: 'main' });
    assert.is(sub.status, 'active');
    await waitFor('the refusal after the restart', async () => (await gofer.subscriptions.get(sub.subscriptionId)).status === 'error');
    assert.is((await gofer.subscriptions.get(sub.subscriptionId)).statusReason, 'quota exhausted after restart');
    assert.ok(events.some((e) => e.type === 'extension.crashed' && e.payload.exitCode === 5));
    assert.ok(events.some((e) => e.type === 'subscription.failed' && e.payload.reason === 'quota exhausted after restart'));
    assert.equal((await gofer.extensions.get('refuse-after-restart')).subscriptions, { active: 0, error: 1, disabled: 0 });
  } finally {
    await gofer.close();
  }
});

test('an extension that never answers subscribe: the subscription times out into error, the host goes on', async () => {
  const { gofer } = await goferForExtensions({ config: { pluginTimeoutMs: 800, pluginDirs: [here('./extension-fixtures/silent')] } });
  try {
    await gofer.pipelines.register(new Pipeline('ignored', 'Ignored').tasks(new Task('noop', IMG).command('true')).build());
    const sub = await gofer.subscriptions.create({ pipelineId: 'ignored', extension: 'silent', label: 'main' });
    assert.is(sub.status, 'error');
    assert.match(sub.statusReason!, /did not finish subscribe of sub_\w+ within 800 ms/);
    const run = await gofer.runs.start('ignored');
    assert.is((await gofer.runs.wait('ignored', run.runId)).status, 'successful', 'the host still runs pipelines');
  } finally {
    await gofer.close();
  }
});

test.run();
