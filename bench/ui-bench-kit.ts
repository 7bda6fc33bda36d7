/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Shared by the web UI benchmarks: the real service (process scheduler) serving the built UI,
 * Debian's Chromium through playwright-core, a signed-in tab, and frame timing read inside the
 * page (long tasks and requestAnimationFrame gaps).
 */
import type { Page } from 'playwright-core';
import { signIn, startUi, type UiSession } from '../test/ui/ui-harness.js';

export { startUi, type UiSession };

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
export const ms = (v: number): string => `${v.toFixed(v < 10 ? 1 : 0)} ms`;

/** A tab signed in to the UI (the token stays in this tab's sessionStorage across navigations). */
export async function signedInPage(ui: UiSession, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const page = await ui.newPage(viewport);
  await page.goto('/');
  await signIn(page, ui.svc.token);
  return page;
}

/** Polls the service until a run completes (deadline 10 min). */
export async function waitForRun(ui: UiSession, pipelineId: string, runId: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while ((await ui.m('GET', `/api/pipelines/${pipelineId}/runs/${runId}`)).json.state !== 'complete') {
    if (Date.now() > deadline) throw new Error(`run ${pipelineId}/${runId} did not complete`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `action` under a Chromium trace and returns the page main thread's tasks meanwhile: each
 * one's wall time and its CPU (thread) time. On a shared machine wall times grow with other work
 * (the thread waits for a core); thread time mostly does not, so it tells what the page costs.
 */
export async function mainThreadTasks(page: Page, action: () => Promise<void>): Promise<Array<{ wallMs: number; cpuMs: number }>> {
  const cdp = await page.context().newCDPSession(page);
  const events: Array<{ name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }> = [];
  cdp.on('Tracing.dataCollected', (d) => void events.push(...(d.value as unknown as typeof events)));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,__metadata', transferMode: 'ReportEvents' });
  await action();
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const mainThreads = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  return events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && mainThreads.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }));
}

/** The CPU time the page's main thread spent in tasks while `action` ran. */
export async function mainThreadCpuMs(page: Page, action: () => Promise<void>): Promise<number> {
  return (await mainThreadTasks(page, action)).reduce((n, t) => n + t.cpuMs, 0);
}

/** Starts recording long tasks (>= 50 ms of main-thread work) and animation-frame gaps in the page. */
export async function startFrameRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: { longTasks: number[]; gaps: number[]; stop: boolean } };
    w.__frames = { longTasks: [], gaps: [], stop: false };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__frames.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.gaps.push(now - last);
      last = now;
      if (!w.__frames.stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stops recording; returns the long tasks' durations and the gaps between animation frames. */
export async function stopFrameRecorder(page: Page): Promise<{ longTasks: number[]; gaps: number[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { __frames: { longTasks: number[]; gaps: number[]; stop: boolean } };
    w.__frames.stop = true;
    return { longTasks: w.__frames.longTasks, gaps: w.__frames.gaps.slice(1) };
  });
}
