/**
 * Broken out-of-process extensions (fixtures under ./fixtures): one that dies at once every
 * time (crash loop), one that floods stdout with garbage, one that never answers (and ignores
 * shutdown and SIGTERM). Beside them a healthy stdio extension keeps asking for runs. The host
 * stays up, keeps starting the healthy extension's runs, backs off the crash loop (restart
 * delays grow, restart counts grow sub-linearly), fails the unanswered subscribe with a reason,
 * and still closes.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, type GoferEvent } from '@gofer/core';
import { goferForExtensions } from '../integration/extension-helpers/gofer-for-extensions.js';
import { delay, figure } from './reliability-helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test('crash loop, garbage and silence: the host stays up, serves the healthy extension, backs off, and closes', async () => {
  const { gofer, logger } = await goferForExtensions({
    config: { pluginDirs: ['crash-loop', 'garbage', 'never-answers', 'healthy-ticker'].map(fixture) },
  });
  const events: GoferEvent[] = [];
  gofer.events.on((e) => events.push(e));
  const crashes = () => events.filter((e) => e.type === 'extension.crashed' && (e.payload as { extension: string }).extension === 'crash-loop');
  let closed = false;
  try {
    const started = Date.now();
    for (const id of ['healthy', 'garbaged', 'silenced']) {
      await gofer.pipelines.register(new Pipeline(id, id).tasks(new Task('noop', 'img').command('true')).build());
    }
    // The healthy one first; the garbage and silent subscribes run beside it (each waits for
    // its 10 s answer time limit).
    const healthy = await gofer.subscriptions.create({ pipelineId: 'healthy', extension: 'healthy-ticker', label: 'main' });
    assert.is(healthy.status, 'active');
    const silent = gofer.subscriptions
      .create({ pipelineId: 'silenced', extension: 'never-answers', label: 'main' })
      .catch((e: { code?: string; message: string }) => e);
    const garbagePending = gofer.subscriptions
      .create({ pipelineId: 'garbaged', extension: 'garbage', label: 'main' })
      .catch((e: { code?: string; message: string }) => e);

    // Sample the crash loop's restart count over time.
    const samples: Array<{ atMs: number; restarts: number }> = [];
    for (const atMs of [3_000, 6_000, 12_000]) {
      await delay(Math.max(0, started + atMs - Date.now()));
      const info = await gofer.extensions.get('crash-loop');
      samples.push({ atMs, restarts: info.process?.restarts ?? 0 });
    }
    const silentResult = await silent;
    const garbage = await garbagePending;
    const healthyRuns = await gofer.runs.list('healthy', { limit: 1000 });
    const garbageRuns = await gofer.runs.list('garbaged', { limit: 1000 });
    const list = await gofer.extensions.list();
    const state = Object.fromEntries(list.map((e) => [e.name, e.process?.state]));
    const delays = crashes().map((e) => (e.payload as { restartInMs: number }).restartInMs);

    // The host kept serving the healthy extension throughout, and its runs completed.
    assert.ok(healthyRuns.length >= 20, `the healthy ticker's runs kept starting (${healthyRuns.length})`);
    const done = await Promise.all(healthyRuns.slice(-5).map((r) => gofer.runs.wait('healthy', r.runId)));
    assert.ok(
      done.every((r) => r.status === 'successful'),
      'its runs succeed',
    );
    // Garbage started nothing, broke nothing.
    assert.is(garbageRuns.length, 0, 'garbage lines started no run');
    assert.is(state.garbage, 'running', 'garbage on stdout is ignored, not a reason to kill the process');
    assert.ok(!('code' in garbage) || typeof garbage.code === 'string', 'the garbage subscribe answered with a coded error or a stored status');
    // Silence: the subscribe ends with a reason instead of hanging.
    const silentStatus = 'status' in silentResult ? `${silentResult.status}: ${silentResult.statusReason}` : `${silentResult.code}: ${silentResult.message}`;
    assert.match(silentStatus, /error|ERR_/, `the unanswered subscribe failed: ${silentStatus}`);
    // Backoff: each restart waits longer, and the count grows sub-linearly.
    assert.ok(delays.length >= 3, `crash loop restarted (${delays.join(', ')})`);
    for (let i = 1; i < delays.length; i++) assert.ok(delays[i]! >= delays[i - 1]!, `restart delays never shrink: ${delays.join(', ')}`);
    assert.ok(delays[delays.length - 1]! >= 4 * delays[0]!, `restart delays grow: ${delays.join(', ')}`);
    // Sub-linear: the second 6 s see no more restarts than the first 6 s (one of slack for slow
    // process starts on a loaded machine); without a backoff a process that dies at once would
    // restart dozens of times a second.
    const [, mid, late] = samples;
    assert.ok(late!.restarts - mid!.restarts <= mid!.restarts + 1, `restarts grow sub-linearly: ${JSON.stringify(samples)}`);
    assert.ok(late!.restarts <= 10, `backed off: ${late!.restarts} restarts in 12 s`);
    const ignored = logger.entries.filter(
      (e) => /ignored|not JSON|dropped|invalid|unknown/i.test(e.message) && JSON.stringify(e.fields).includes('garbage'),
    ).length;

    const closeStart = Date.now();
    await gofer.close();
    closed = true;
    const closeMs = Date.now() - closeStart;
    assert.ok(closeMs < 15_000, `close finished (${closeMs} ms; the silent one needs SIGKILL)`);
    figure(
      `broken extensions: crash loop restarted ${samples.map((s) => `${s.restarts} by ${s.atMs / 1000}s`).join(', ')} (delays ${delays.join('/')} ms), garbage: ${ignored} bad lines logged and ignored, 0 runs; never-answers: subscribe failed (${silentStatus.slice(0, 60)}); healthy ticker: ${healthyRuns.length} runs meanwhile; close ${closeMs} ms`,
    );
  } finally {
    if (!closed) await gofer.close();
  }
});

test.run();
