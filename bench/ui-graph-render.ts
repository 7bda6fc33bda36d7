/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The run graph of a 200-task run in headless Chromium: from opening the run page to every node
 * drawn with its final status (JavaScript loaded, API read, layout, React Flow render). Baseline,
 * in the same tab and run: a bare page that fetches the same run and tasks with fetch and draws
 * one plain div per task (no framework, no layout). Goal: at most 1 s.
 *   TSX_TSCONFIG_PATH=tsconfig.tsx.json node --conditions=gofer-source --import tsx bench/ui-graph-render.ts [tasks=200] [rounds=7]
 */
import { layoutTasks } from '../ui/src/components/run-graph/layout.js';
import { loadavg } from 'node:os';
import { mainThreadCpuMs, median, ms, signedInPage, startUi, waitForRun } from './ui-bench-kit.js';
import { verdict } from './verdict-kit.js';

const TASKS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 7);
const WIDTH = 20; // tasks per stage: 10 stages of 20, each depending on two tasks of the stage before

const tasks = Array.from({ length: TASKS }, (_, i) => {
  const stage = Math.floor(i / WIDTH);
  const parents = stage === 0 ? [] : [((stage - 1) * WIDTH + (i % WIDTH)) % TASKS, ((stage - 1) * WIDTH + ((i + 1) % WIDTH)) % TASKS];
  return {
    id: `task_${String(i).padStart(3, '0')}`,
    image: 'none',
    command: ['true'],
    dependsOn: Object.fromEntries(parents.map((p) => [`task_${String(p).padStart(3, '0')}`, 'success' as const])),
  };
});

const ui = await startUi({ env: { GOFER_LOG_LEVEL: 'warn' } });
try {
  const config = { id: 'bench-graph', name: `Graph of ${TASKS}`, parallelism: 0, tasks };
  if ((await ui.m('POST', '/api/pipelines', { config })).status !== 201) throw new Error('register failed');
  const run = (await ui.m('POST', '/api/pipelines/bench-graph/runs', {})).json as { runId: number };
  await waitForRun(ui, 'bench-graph', run.runId);
  const page = await signedInPage(ui);

  const uiTimes: number[] = [];
  const cpuTimes: number[] = [];
  const layoutTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // The UI: a fresh load of the run page, timed from navigation start to all nodes final.
    await page.goto('/');
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    const cpu = await mainThreadCpuMs(page, async () => {
      await page.goto(`/pipelines/bench-graph/runs/${run.runId}`);
      const t = await page.waitForFunction(
        (n) => {
          const nodes = document.querySelectorAll('.gofer-node[data-status="successful"]');
          return nodes.length === n ? performance.now() : false;
        },
        TASKS,
        { polling: 'raf', timeout: 60_000 },
      );
      uiTimes.push((await t.jsonValue()) as number);
      layoutTimes.push(await page.evaluate(() => performance.getEntriesByName('gofer:graph-layout').reduce((n, e) => n + e.duration, 0)));
    });
    cpuTimes.push(cpu);

    // Baseline: same origin and tab, a page with no app (the favicon), fetch + one div per task.
    await page.goto('/favicon.svg');
    const raw = await page.evaluate(
      async ({ runId, n }) => {
        const started = performance.now();
        const token = sessionStorage.getItem('gofer.token');
        const headers = { authorization: `Bearer ${token}` };
        const [runRes, tasksRes] = await Promise.all([
          fetch(`/api/pipelines/bench-graph/runs/${runId}`, { headers }),
          fetch(`/api/pipelines/bench-graph/runs/${runId}/tasks`, { headers }),
        ]);
        await runRes.json();
        const { items } = (await tasksRes.json()) as { items: Array<{ taskId: string; status: string }> };
        const root = document.createElementNS('http://www.w3.org/1999/xhtml', 'div');
        document.documentElement.append(root);
        for (const t of items) {
          const d = document.createElementNS('http://www.w3.org/1999/xhtml', 'div');
          d.textContent = `${t.taskId} ${t.status}`;
          root.append(d);
        }
        if (root.childElementCount !== n) throw new Error('baseline drew the wrong count');
        root.getBoundingClientRect();
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
        return performance.now() - started;
      },
      { runId: run.runId, n: TASKS },
    );
    rawTimes.push(raw);
  }

  // The layout alone, in Node, for the record.
  const specs = tasks.map((t) => ({ id: t.id, image: t.image, dependsOn: t.dependsOn }));
  const layoutMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    layoutTasks(specs, 'LR');
    layoutMs.push(performance.now() - s);
  }

  const m = median(uiTimes);
  console.log(
    `ui-graph-render: ${TASKS} tasks, ${ROUNDS} rounds; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${(await import('node:os')).cpus().length} cores`,
  );
  console.log(`  run page, navigation to every node final: median ${ms(m)} wall (rounds ${uiTimes.map((v) => Math.round(v)).join(', ')})`);
  console.log(`    of which the dagre layout in the page: median ${ms(median(layoutTimes))}; the page's main-thread CPU time: median ${ms(median(cpuTimes))}`);
  console.log(`  baseline (fetch + one plain div per task): median ${ms(median(rawTimes))}`);
  console.log(`  dagre layout alone (Node): median ${ms(median(layoutMs))}`);
  verdict({
    row: `run graph, ${TASKS} tasks`,
    gofer: `${ms(m)} wall, ${ms(median(cpuTimes))} CPU`,
    baseline: `${ms(median(rawTimes))} bare page (${(m / median(rawTimes)).toFixed(1)}x)`,
    value: m,
    op: '<=',
    goal: 1000,
    unit: ' ms',
  });
} finally {
  await ui.close();
}
