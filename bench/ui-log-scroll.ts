/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A 200,000-line log in the task page: time to open it (every line read and counted), then
 * scrolling through it (a steady scroll, then jumps to random places and the end) while every
 * animation frame and every long task (>= 50 ms of main-thread work) is recorded in the page.
 * Goal: no frame's main-thread work reaches 50 ms. Baseline, in the same tab and run: the same
 * scroll over an element of the same height holding no lines.
 *   TSX_TSCONFIG_PATH=tsconfig.tsx.json node --conditions=gofer-source --import tsx bench/ui-log-scroll.ts [lines=200000]
 */
import type { Page } from 'playwright-core';
import { loadavg } from 'node:os';
import { mainThreadTasks, median, ms, percentile, signedInPage, startFrameRecorder, startUi, stopFrameRecorder, waitForRun } from './ui-bench-kit.js';
import { verdict } from './verdict-kit.js';

const LINES = Number(process.argv[2] ?? 200_000);

/** Scrolls `selector`: 300 frames of steady scrolling, then 40 jumps, one per frame pair. */
async function scrollThrough(page: Page, selector: string): Promise<void> {
  await page.evaluate(async (sel) => {
    const el = document.querySelector(sel) as HTMLElement;
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    for (let i = 0; i < 300; i++) {
      el.scrollTop += 120;
      await frame();
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 40; i++) {
      el.scrollTop = i % 10 === 9 ? el.scrollHeight : rnd() * el.scrollHeight;
      await frame();
      await frame();
    }
  }, selector);
}

const ui = await startUi({ env: { GOFER_LOG_LEVEL: 'warn' } });
try {
  // Every tenth line is coloured, so the ANSI path is in the measurement too.
  const script = `i=1; while [ $i -le ${LINES} ]; do if [ $((i % 10)) -eq 0 ]; then printf '\\033[32mline %d ok\\033[0m build step output\\n' $i; else printf 'line %d some build output of typical length\\n' $i; fi; i=$((i+1)); done`;
  const config = { id: 'bench-log', name: 'Long log', tasks: [{ id: 'talk', image: 'none', command: ['sh', '-c', script] }] };
  if ((await ui.m('POST', '/api/pipelines', { config })).status !== 201) throw new Error('register failed');
  const run = (await ui.m('POST', '/api/pipelines/bench-log/runs', {})).json as { runId: number };
  await waitForRun(ui, 'bench-log', run.runId);
  const page = await signedInPage(ui);

  await page.goto(`/pipelines/bench-log/runs/${run.runId}/tasks/talk`);
  const opened = await page.waitForFunction(
    (n) => {
      const s = document.querySelector('.gofer-log__status');
      return s?.getAttribute('data-log-status') === 'complete' && Number(s.getAttribute('data-line-count')) === n ? performance.now() : false;
    },
    LINES,
    { timeout: 120_000, polling: 100 },
  );
  const openMs = (await opened.jsonValue()) as number;
  await page.getByRole('button', { name: 'Following' }).click(); // stop following: the user scrolls

  let logFrames: { longTasks: number[]; gaps: number[] } = { longTasks: [], gaps: [] };
  const tasks = await mainThreadTasks(page, async () => {
    await startFrameRecorder(page);
    await scrollThrough(page, '.gofer-log__scroll');
    logFrames = await stopFrameRecorder(page);
  });
  const worstCpu = Math.max(0, ...tasks.map((t) => t.cpuMs));
  const shown = await page.locator('.gofer-log__line').count();

  // Baseline: an empty element of the same scroll height, scrolled the same way.
  await page.evaluate(() => {
    const log = document.querySelector('.gofer-log__scroll') as HTMLElement;
    const box = document.createElement('div');
    box.id = 'baseline';
    box.style.height = `${log.clientHeight}px`;
    box.style.overflow = 'auto';
    const inner = document.createElement('div');
    inner.style.height = `${log.scrollHeight}px`;
    box.append(inner);
    log.replaceWith(box);
  });
  await startFrameRecorder(page);
  await scrollThrough(page, '#baseline');
  const baseFrames = await stopFrameRecorder(page);

  const worst = Math.max(0, ...logFrames.longTasks);
  console.log(
    `ui-log-scroll: ${LINES.toLocaleString('en-US')} lines (every tenth coloured), ${shown} line elements in the page while scrolling; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`  open: navigation to "Complete: ${LINES.toLocaleString('en-US')} lines": ${ms(openMs)}`);
  console.log(
    `  scrolling the log: ${logFrames.gaps.length} frames, frame interval median ${ms(median(logFrames.gaps))}, p95 ${ms(percentile(logFrames.gaps, 95))}, max ${ms(Math.max(...logFrames.gaps))}; long tasks (>= 50 ms): ${logFrames.longTasks.length}${logFrames.longTasks.length ? ` (worst ${ms(worst)})` : ''}`,
  );
  console.log(
    `  baseline (empty element, same height): frame interval median ${ms(median(baseFrames.gaps))}, p95 ${ms(percentile(baseFrames.gaps, 95))}, max ${ms(Math.max(...baseFrames.gaps))}; long tasks: ${baseFrames.longTasks.length}`,
  );
  console.log(`  p95 frame interval ratio log/baseline: ${(percentile(logFrames.gaps, 95) / percentile(baseFrames.gaps, 95)).toFixed(2)}x`);
  console.log(
    `  main-thread tasks while scrolling: ${tasks.length}, the longest ${ms(worstCpu)} of CPU time (${ms(Math.max(0, ...tasks.map((t) => t.wallMs)))} wall)`,
  );
  // Goal: no frame's main-thread work reaches 50 ms. Long tasks in wall time with every task's CPU
  // time under 50 ms mean the machine was loaded, not that the page worked that long.
  verdict({
    row: `log scroll, ${LINES.toLocaleString('en-US')} lines`,
    gofer: `longest task ${ms(worstCpu)} CPU, p95 frame ${ms(percentile(logFrames.gaps, 95))}`,
    baseline: `p95 frame ${ms(percentile(baseFrames.gaps, 95))} empty scroller`,
    value: worstCpu,
    op: '<=',
    goal: 50,
    unit: ' ms',
  });
} finally {
  await ui.close();
}
