/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A matrix task in Chromium against the REAL service (process scheduler): the run graph draws
 * one node per combination (its config task and its values) with an edge from the parent to each
 * and from each to the dependent; the run page says it succeeded with an allowed failure and
 * links the combination; the combination's page (its id URL-encoded in the link and in every API
 * call, its log included) shows its matrix values and that it may fail; the dependent's page shows
 * its `when` expression; both pages pass axe and report no problem. Outputs need a scheduler that
 * reads them (run-graph-matrix.test.ts renders them from data instead).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/wait-for.js';
import { describeViolations, NARROW, problemsOf, screenshot, seriousAxeViolations, signIn, startUi, WIDE, type UiSession } from './ui-harness.js';

let ui: UiSession;

test.before(async () => {
  ui = await startUi();
});

test.after(async () => {
  await ui?.close();
});

const IMAGE = 'gofer-test/busybox:latest';
const WHEN = '"go" == "go"';

test('a 2-value matrix is drawn as two nodes between its parent and its dependent, and each combination opens', async () => {
  const config = {
    id: 'ui-matrix',
    name: 'Matrix',
    tasks: [
      { id: 'setup', image: IMAGE, command: ['sh', '-c', 'echo setting up'] },
      {
        id: 'test',
        image: IMAGE,
        command: ['sh', '-c', 'echo "testing on node $NODE"; [ "$NODE" != 18 ]'],
        dependsOn: { setup: 'success' },
        matrix: { NODE: ['18', '20'], failFast: false },
        allowFailure: true,
      },
      { id: 'report', image: IMAGE, command: ['sh', '-c', 'echo reporting'], dependsOn: { test: 'any' }, when: WHEN },
    ],
  };
  const created = await ui.m('POST', '/api/pipelines', { config });
  assert.is(created.status, 201, created.text);
  assert.is((await ui.m('POST', '/api/pipelines/ui-matrix/runs', {})).status, 201);
  const run = await waitFor(
    'run 1 to complete',
    async () => {
      const r = (await ui.m('GET', '/api/pipelines/ui-matrix/runs/1')).json as { state: string; status: string; statusReason?: { reason: string } };
      return r.state === 'complete' && r;
    },
    { timeoutMs: 60_000 },
  );
  assert.equal([run.status, run.statusReason?.reason], ['successful', 'allowed_failure']);

  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, ui.svc.token);
  await page.goto('/pipelines/ui-matrix/runs/1');
  await page.waitForFunction(() => {
    const nodes = [...document.querySelectorAll('.gofer-node')];
    return nodes.length === 4 && nodes.every((n) => ['successful', 'failed'].includes(n.getAttribute('data-status') ?? ''));
  });
  const nodes = await page
    .locator('.gofer-node')
    .evaluateAll((els) =>
      els
        .map((e) => [
          e.getAttribute('data-task-id'),
          e.getAttribute('data-config-task-id'),
          e.getAttribute('data-status'),
          e.querySelector('.gofer-node__values')?.textContent ?? '',
        ])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  assert.equal(nodes, [
    ['report', 'report', 'successful', ''],
    ['setup', 'setup', 'successful', ''],
    ['test[NODE=18]', 'test', 'failed', 'NODE=18'],
    ['test[NODE=20]', 'test', 'successful', 'NODE=20'],
  ]);
  // setup -> each combination, each combination -> report.
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 4);
  const edges = await page.locator('.react-flow__edge').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')).sort());
  assert.equal(edges, [
    'report runs after any outcome of test[NODE=18]',
    'report runs after any outcome of test[NODE=20]',
    'test[NODE=18] needs success of setup',
    'test[NODE=20] needs success of setup',
  ]);
  assert.match(await page.locator('.gofer-node[data-task-id="test[NODE=18]"]').innerText(), /Failed · exit 1, allowed/);

  const status = page.locator('[data-run-status="successful"]');
  // (innerText breaks the line after the inline-flex badge.)
  assert.match((await status.innerText()).replace(/\n/g, ''), /^Succeeded, with allowed failures: test\[NODE=18\] failed \(allowFailure permits it\)$/);
  assert.is(await status.getByRole('link', { name: 'test[NODE=18]' }).getAttribute('href'), '/pipelines/ui-matrix/runs/1/tasks/test%5BNODE%3D18%5D');
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    const violations = await seriousAxeViolations(page);
    assert.is(violations.length, 0, describeViolations(violations));
    await screenshot(page, 'run-matrix');
  }
  await page.setViewportSize(WIDE);

  // The combination's node links to its page, its id encoded in the URL.
  await page.locator('.gofer-node[data-task-id="test[NODE=18]"] a').click();
  await page.waitForURL(/\/pipelines\/ui-matrix\/runs\/1\/tasks\/test%5BNODE%3D18%5D$/);
  await page.getByRole('heading', { level: 1, name: 'Task test[NODE=18]' }).waitFor();
  await page.locator('.gofer-log__line', { hasText: 'testing on node 18' }).waitFor();
  assert.match(await page.locator('[data-fact="matrix"]').innerText(), /NODE=18\s+one combination of test/);
  assert.match(await page.locator('[data-fact="allow-failure"]').innerText(), /may fail/);
  assert.match(await page.locator('[data-task-status="failed"]').innerText(), /allowed: this task may fail without failing the run/);
  await page.getByText('Outputs of this task: none.').waitFor();
  const variables = await page.getByRole('region', { name: 'Variables this task ran with' }).innerText();
  assert.match(variables, /NODE\s+18\s+matrix \(this combination\)/);
  const violations = await seriousAxeViolations(page);
  assert.is(violations.length, 0, describeViolations(violations));
  await screenshot(page, 'task-matrix');

  // The dependent shows the condition it ran under.
  await page.goto('/pipelines/ui-matrix/runs/1/tasks/report');
  assert.match(await page.locator('[data-fact="when"]').innerText(), new RegExp(`runs when ${WHEN.replace(/"/g, '"')}`));
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test.run();
