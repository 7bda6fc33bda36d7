/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * User data is rendered as text, never as markup: a pipeline name and description, a runtime
 * variable's value, log lines (plain and inside ANSI colour codes), event payloads and ids taken
 * from the address bar carry `<script>` and `<img onerror>` payloads. Each page must show them
 * literally, hold no element they would create, report no Content-Security-Policy violation (the
 * CSP would block an injected script, so "it did not run" alone would prove nothing), and no
 * payload may ever run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Page } from 'playwright-core';
import { pipelineConfig } from '../integration/service-harness.js';
import { problemsOf, screenshot, signIn, startUi, type PageProblems, type UiSession } from './ui-harness.js';

const SCRIPT = '<script>window.__goferXss = "script"</script>';
const IMG = '<img src=x onerror="window.__goferXss = \'img\'">';
const BOTH = `${SCRIPT} ${IMG}`;

let ui: UiSession;
let runId: number;

test.before(async () => {
  ui = await startUi();
  const log = [
    `printf '%s\\n' '${SCRIPT}'`,
    `printf '%s\\n' '${IMG.replace(/'/g, "'\\''")}'`,
    // The same payload inside colour codes: the ANSI renderer must escape too.
    `printf '\\033[31m%s\\033[0m and \\033[1;32m%s\\033[0m\\n' '${SCRIPT}' '${IMG.replace(/'/g, "'\\''")}'`,
  ].join('; ');
  const config = { ...pipelineConfig('inject', [{ id: 'printer', command: ['sh', '-c', log] }]), name: `Evil ${BOTH}`, description: `About ${BOTH}` };
  assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);
  const run = await ui.m('POST', '/api/pipelines/inject/runs', { variables: { PAYLOAD: BOTH } });
  assert.is(run.status, 201);
  runId = run.json.runId;
  const deadline = Date.now() + 30_000;
  while ((await ui.m('GET', `/api/pipelines/inject/runs/${runId}`)).json.state !== 'complete') {
    assert.ok(Date.now() < deadline, 'the run completes');
    await new Promise((r) => setTimeout(r, 50));
  }
});

test.after(async () => {
  await ui?.close();
});

/** The page holds the payloads as text and nothing they would have created. */
async function assertInert(page: Page & { problems: PageProblems }, where: string, expectText: string[]): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const t of expectText) assert.ok(text.includes(t), `${where}: shows ${t} as text`);
  const found = await page.evaluate(() => ({
    images: document.querySelectorAll('img[src="x"], img[onerror]').length,
    scripts: [...document.scripts].filter((s) => !s.src).length,
    ran: (window as unknown as { __goferXss?: string }).__goferXss ?? null,
  }));
  assert.equal(found, { images: 0, scripts: 0, ran: null }, `${where}: no injected element, no payload ran`);
  assert.equal(await problemsOf(page), [], `${where}: no CSP violation, dialog or script error`);
}

test('pipeline name and description, run variables, log lines and events render as text', async () => {
  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, ui.svc.token);
  await page.locator('tr[data-pipeline-id="inject"] .gofer-strip').waitFor();
  await assertInert(page, 'pipelines', [`Evil ${BOTH}`]);
  await page.getByLabel('Search pipelines').fill('<script>');
  await page.locator('tr[data-pipeline-id="inject"]').waitFor();
  await assertInert(page, 'pipelines searched', [`Evil ${BOTH}`]);

  await page.goto('/pipelines/inject');
  await page.locator(`tr[data-run-id="${runId}"]`).waitFor();
  await assertInert(page, 'pipeline', [`Evil ${BOTH}`, `About ${BOTH}`]);

  await page.goto(`/pipelines/inject/runs/${runId}`);
  await page.locator('.gofer-node[data-task-id="printer"][data-status="successful"]').waitFor();
  await assertInert(page, 'run', [BOTH, `of Evil ${BOTH}`]);

  await page.goto(`/pipelines/inject/runs/${runId}/tasks/printer`);
  await page.locator('.gofer-log__status[data-log-status="complete"]').waitFor();
  const lines = await page.locator('.gofer-log__line .gofer-log__text').allInnerTexts();
  assert.equal(lines, [SCRIPT, IMG, `${SCRIPT} and ${IMG}`]);
  // The coloured line kept its colours, as text spans.
  assert.is(await page.locator('.gofer-log__line[data-line="3"] .ansi-red-fg').innerText(), SCRIPT);
  assert.is(await page.locator('.gofer-log__line[data-line="3"] .ansi-green-fg.ansi-bold').innerText(), IMG);
  await page.getByLabel('Search the log').fill('onerror');
  await page.locator('.gofer-log__hits', { hasText: '1 of 2' }).waitFor();
  await assertInert(page, 'task log', [SCRIPT, IMG, BOTH]);
  await screenshot(page, 'injection-task');

  await page.goto('/events');
  await page.locator('tr[data-event-type="run.completed"]', { hasText: 'inject' }).first().waitFor();
  await assertInert(page, 'events', ['inject']);
  await page.close();
});

test('ids in the address bar render as text too (a crafted link cannot inject)', async () => {
  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, ui.svc.token);
  const evil = encodeURIComponent(IMG);
  await page.goto(`/pipelines/inject/runs/${runId}/tasks/${evil}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('alert').first().waitFor(); // the API refuses such an id
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), /onerror/);
  await assertInert(page, 'task id from the URL', [IMG]);
  await page.goto(`/pipelines/${evil}`);
  await page.getByRole('alert').first().waitFor();
  await assertInert(page, 'pipeline id from the URL', [IMG]);
  await page.close();
});

test('the API refuses task and pipeline ids with markup, so none can reach a page from the service', async () => {
  const bad = await ui.m('POST', '/api/pipelines', { config: pipelineConfig('inject2', [{ id: IMG, command: ['true'] }]) });
  assert.is(bad.status, 400);
  const badPipeline = await ui.m('POST', '/api/pipelines', { config: pipelineConfig(SCRIPT, [{ id: 'a', command: ['true'] }]) });
  assert.is(badPipeline.status, 400);
});

test.run();
