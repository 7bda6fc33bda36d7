/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The live log view against a task writing 5 MB/s: the task page follows the log while a task
 * writes numbered lines at a fixed rate; at the end the page's line count must equal the lines
 * written (no line lost or doubled), the last line must be the last one written, and the view
 * must have kept up: how long after the task's end the page showed everything, and the long
 * tasks seen while streaming. Baseline, in the same run: the same log stream read by a bare fetch
 * in the same tab (no rendering), from the same point of the task's life.
 *   TSX_TSCONFIG_PATH=tsconfig.tsx.json node --conditions=gofer-source --import tsx bench/ui-log-live.ts [MBps=5] [seconds=10]
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { mainThreadTasks, median, ms, signedInPage, startFrameRecorder, startUi, stopFrameRecorder } from './ui-bench-kit.js';
import { verdict } from './verdict-kit.js';

const RATE = Number(process.argv[2] ?? 5); // MB/s
const SECONDS = Number(process.argv[3] ?? 10);
const LINE = 100; // bytes per line, newline included
const LINES = Math.round((RATE * 1_000_000 * SECONDS) / LINE);

// The writer: numbered 100-byte lines, paced in 10 ms slices to RATE MB/s.
const writer = `
const total = ${LINES}, perSlice = Math.max(1, Math.round(${RATE * 1_000_000} / ${LINE} / 100));
const pad = 'x'.repeat(${LINE});
let n = 0; const start = Date.now();
function slice() {
  let out = '';
  for (let i = 0; i < perSlice && n < total; i++, n++) out += ('line ' + n + ' ' + pad).slice(0, ${LINE - 1}) + '\\n';
  const ok = process.stdout.write(out);
  if (n >= total) return;
  const next = start + (n / perSlice) * 10;
  const go = () => setTimeout(slice, Math.max(0, next - Date.now()));
  ok ? go() : process.stdout.once('drain', go);
}
slice();
`;

const ui = await startUi({ env: { GOFER_LOG_LEVEL: 'warn' } });
try {
  const go = join(ui.svc.dataDir, 'go-live');
  const command = ['sh', '-c', `i=0; while [ ! -f ${go} ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; exec "${process.execPath}" -e "$WRITER"`];
  const config = { id: 'bench-live', name: 'Fast writer', tasks: [{ id: 'writer', image: 'none', command, variables: { WRITER: writer } }] };
  if ((await ui.m('POST', '/api/pipelines', { config })).status !== 201) throw new Error('register failed');

  const { rmSync, writeFileSync } = await import('node:fs');
  /** Starts a run whose writer waits for the go file; returns its id. */
  const startWriter = async () => {
    rmSync(go, { force: true });
    return ((await ui.m('POST', '/api/pipelines/bench-live/runs', {})).json as { runId: number }).runId;
  };
  const taskOf = async (runId: number) => {
    const task = (await ui.m('GET', `/api/pipelines/bench-live/runs/${runId}/tasks/writer`)).json as { ended: number; started: number; status: string };
    if (task.status !== 'successful') throw new Error(`writer task ${task.status}`);
    return task;
  };

  const results: Array<{ ui: number; uiLag: number; raw: number; rawLag: number; long: number[]; wallS: number; cpuMs: number; worstCpu: number }> = [];
  const page = await signedInPage(ui);
  for (let round = 0; round < 2; round++) {
    // The UI: the task page follows the log while the writer runs.
    const runId = await startWriter();
    await page.goto(`/pipelines/bench-live/runs/${runId}/tasks/writer`);
    await page.locator('.gofer-log__status[data-log-status="live"]').waitFor({ timeout: 60_000 });
    let started = 0;
    let count = 0;
    let at = 0;
    let frames: { longTasks: number[]; gaps: number[] } = { longTasks: [], gaps: [] };
    const tasks = await mainThreadTasks(page, async () => {
      await startFrameRecorder(page);
      started = Date.now();
      writeFileSync(go, '');
      const done = await page.waitForFunction(
        () => {
          const s = document.querySelector('.gofer-log__status');
          return s?.getAttribute('data-log-status') === 'complete' ? { count: Number(s.getAttribute('data-line-count')), at: Date.now() } : false;
        },
        undefined,
        { timeout: 600_000, polling: 50 },
      );
      ({ count, at } = (await done.jsonValue()) as { count: number; at: number });
      frames = await stopFrameRecorder(page);
    });
    const task = await taskOf(runId);
    // The last line on the page is the last one written (follow keeps it in view).
    const last = await page.locator('.gofer-log__line').last().innerText();
    if (!last.includes(`line ${LINES - 1} `)) throw new Error(`the last line shown is not the last written: ${last.slice(0, 40)}`);

    // Baseline: another writer run, its stream read by a bare fetch in a page without the app.
    const rawRun = await startWriter();
    await page.goto('/favicon.svg');
    const reading = page.evaluate(async (id) => {
      const res = await fetch(`/api/pipelines/bench-live/runs/${id}/tasks/writer/logs?follow=true`, {
        headers: { authorization: `Bearer ${sessionStorage.getItem('gofer.token')}` },
      });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let lines = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: log') && data) {
            const text = (JSON.parse(data.slice(6)) as { text: string }).text;
            for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
          }
          end = buffer.indexOf('\n\n');
        }
      }
      return { lines, at: Date.now() };
    }, rawRun);
    writeFileSync(go, '');
    const raw = await reading;
    const rawTask = await taskOf(rawRun);
    results.push({
      ui: count,
      uiLag: at - task.ended,
      raw: raw.lines,
      rawLag: raw.at - rawTask.ended,
      long: frames.longTasks,
      wallS: (task.ended - started) / 1000,
      cpuMs: tasks.reduce((n, t) => n + t.cpuMs, 0),
      worstCpu: Math.max(0, ...tasks.map((t) => t.cpuMs)),
    });
    await page.goto('/');
  }

  console.log(
    `ui-log-live: a task writing ${RATE} MB/s for ${SECONDS} s (${LINES.toLocaleString('en-US')} lines of ${LINE} bytes), 2 rounds; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const [i, r] of results.entries()) {
    console.log(
      `  round ${i + 1}: lines on the page ${r.ui.toLocaleString('en-US')} (${r.ui === LINES ? 'none lost' : `${LINES - r.ui} LOST`}); task wrote for ${r.wallS.toFixed(1)} s (${((LINES * LINE) / 1_000_000 / r.wallS).toFixed(1)} MB/s); page complete ${ms(r.uiLag)} after the task ended (bare fetch: ${r.raw.toLocaleString('en-US')} lines, ${ms(r.rawLag)} after); long tasks while streaming ${r.long.length}${r.long.length ? ` (median ${ms(median(r.long))}, worst ${ms(Math.max(...r.long))})` : ''}; main-thread CPU ${(r.cpuMs / 1000).toFixed(1)} s over ${r.wallS.toFixed(1)} s, longest task ${ms(r.worstCpu)} of CPU`,
    );
  }
  // Goal: every line shown, none doubled, in the page and through the bare fetch alike.
  const off = Math.max(...results.flatMap((r) => [Math.abs(LINES - r.ui), Math.abs(LINES - r.raw)]));
  verdict({
    row: `live log, ${RATE} MB/s`,
    gofer: `${Math.min(...results.map((r) => r.ui)).toLocaleString('en-US')} of ${LINES.toLocaleString('en-US')} lines, ${ms(Math.max(...results.map((r) => r.uiLag)))} after end`,
    baseline: `bare fetch ${Math.min(...results.map((r) => r.raw)).toLocaleString('en-US')} lines, ${ms(Math.max(...results.map((r) => r.rawLag)))} after`,
    value: off,
    op: '<=',
    goal: 0,
    unit: ' lines off',
  });
} finally {
  await ui.close();
}
