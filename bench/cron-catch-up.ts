/**
 * Cron catch-up after a long downtime: how long counting the missed occurrences takes and how
 * much it delays the event loop (perf_hooks.monitorEventLoopDelay), against two baselines
 * measured in the same run: the idle event loop over the same wall time, and walking each
 * occurrence with croner (how catch-up used to count, extrapolated from a sample).
 *
 * Each case runs ROUNDS times, each followed by an idle period as long as the work took; medians
 * are reported, so a busy machine shows up in the baseline as much as in the measurement. Goal
 * (no stall): the event loop's longest delay during catch-up stays within 50 ms.
 *
 *   node --conditions=gofer-source --import tsx bench/cron-catch-up.ts [days=365] [rounds=5]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createCronExtension } from '@gofer/extension-cron';
import { Cron } from 'croner';
import type { ExtensionContext, StartRunRequest } from '@gofer/core/api';
import { memoryLogger } from '@gofer/core';
import { median, verdict } from './verdict-kit.js';

const days = Number(process.argv[2] ?? 365);
const ROUNDS = Number(process.argv[3] ?? 5);
const SAMPLE = 5_000;
const DAY_MS = 86_400_000;

/** Event-loop delay (ms) while `work` runs, with a 1 ms timer keeping the loop busy like a service would. */
async function delayDuring(work: () => Promise<unknown>): Promise<{ p99: number; max: number; ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  histogram.disable();
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, ms };
}

function context(state: Map<string, string>, started: StartRunRequest[]): ExtensionContext {
  return {
    kind: 'extension',
    name: 'cron',
    logger: memoryLogger('silent'),
    events: { subscribe: () => () => undefined },
    dataDir: '/nonexistent',
    signal: new AbortController().signal,
    state: { get: async (k) => state.get(k), set: async (k, v) => void state.set(k, v), delete: async (k) => void state.delete(k) },
    runs: { get: async () => Promise.reject(new Error('unused')), list: async () => [] },
    secret: async () => undefined,
    startRun: async (req) => (started.push(req), { pipelineId: 'p', runId: started.length }),
  };
}

async function catchUp(expression: string, downDays: number) {
  const now = Date.parse('2026-06-01T00:00:00.500Z');
  const state = new Map([['last-fire:s', String(now - downDays * DAY_MS)]]);
  const started: StartRunRequest[] = [];
  const clock = { now: () => now, setTimer: () => 0, clearTimer: () => undefined };
  const ext = await createCronExtension({ clock }).create(context(state, started), {});
  const delay = await delayDuring(() => ext.subscribe({ subscriptionId: 's', pipelineId: 'p', settings: { expression, timezone: 'Europe/Berlin' } }));
  await new Promise((r) => setImmediate(r));
  await ext.close?.();
  return { ...delay, reason: started[0]?.reason ?? '(no run)' };
}

// Warm up the modules and Intl data, then measure.
await catchUp('* * * * * *', 30);

const cron = new Cron('* * * * * *', { timezone: 'Europe/Berlin', paused: true });
let at = new Date(Date.parse('2026-01-01T00:00:00Z'));
const walkStart = performance.now();
for (let i = 0; i < SAMPLE; i++) at = cron.nextRun(at)!;
const perStep = (performance.now() - walkStart) / SAMPLE;

for (const [expression, downDays, what] of [
  ['* * * * * *', days, 'every second'],
  ['* * * * *', 7, 'every minute'],
  ['0 3 * * 1-5', days, 'weekdays 03:00'],
] as const) {
  const work: Array<Awaited<ReturnType<typeof catchUp>>> = [];
  const idles: Array<Awaited<ReturnType<typeof delayDuring>>> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const w = await catchUp(expression, downDays);
    work.push(w);
    idles.push(await delayDuring(() => new Promise((r) => setTimeout(r, Math.max(20, w.ms)))));
  }
  const r = { ms: median(work.map((w) => w.ms)), p99: median(work.map((w) => w.p99)), max: median(work.map((w) => w.max)), reason: work[0]!.reason };
  const idle = { p99: median(idles.map((w) => w.p99)), max: median(idles.map((w) => w.max)) };
  const occurrences = Number(/for ([\d,]+) missed/.exec(r.reason)?.[1]?.replace(/,/g, '') ?? 0);
  console.log(
    `figure: cron catch-up "${expression}" down ${downDays} days (${occurrences.toLocaleString('en-US')} occurrences), median of ${ROUNDS}: ${r.ms.toFixed(0)} ms in total, ` +
      `event-loop delay p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (idle loop: p99 ${idle.p99.toFixed(1)} ms, max ${idle.max.toFixed(1)} ms; ` +
      `max ${(r.max / Math.max(idle.max, 0.001)).toFixed(1)}x idle); walking each occurrence with croner: ~${((occurrences * perStep) / 1000).toFixed(1)} s blocking`,
  );
  console.log(`  reason: ${r.reason}`);
  // "No stall": the loop is never held for a long task's 50 ms (the UI benchmarks' threshold).
  verdict({
    row: `cron catch-up, ${what}, ${downDays} d`,
    gofer: `${r.ms.toFixed(0)} ms, loop delay max ${r.max.toFixed(1)} ms`,
    baseline: `idle loop max ${idle.max.toFixed(1)} ms; croner walk ~${((occurrences * perStep) / 1000).toFixed(1)} s`,
    value: r.max,
    op: '<=',
    goal: 50,
    unit: ' ms',
  });
}
console.log(`figure: croner nextRun in Europe/Berlin: ${(perStep * 1000).toFixed(0)} µs per occurrence (sample of ${SAMPLE.toLocaleString('en-US')})`);
