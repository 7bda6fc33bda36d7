/// <reference lib="dom" />
/**
 * The pipeline page's runs table pages through the API's cursor (`before`) in Chromium against
 * the REAL service: 45 runs shown 20 at a time, newest first, Older and Newer walking the pages
 * with no run twice and none left out, each page one request of a page's size (not the newest
 * N runs, however far back the page is).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineConfig } from '../integration/service-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { problemsOf, signIn, startUi, type UiSession } from './ui-harness.js';

const RUNS = 45;
let ui: UiSession;

test.before(async () => {
  ui = await startUi();
});

test.after(async () => {
  await ui?.close();
});

test('Older and Newer walk every run once, a page per request with the before cursor', async () => {
  assert.is((await ui.m('POST', '/api/pipelines', { config: pipelineConfig('ui-pager', [{ id: 'quick', command: ['true'] }]) })).status, 201);
  for (let i = 0; i < RUNS; i++) assert.is((await ui.m('POST', '/api/pipelines/ui-pager/runs', {})).status, 201);
  await waitFor('every run to complete', async () => {
    const { items } = (await ui.m('GET', `/api/pipelines/ui-pager/runs?limit=${RUNS}`)).json as { items: Array<{ state: string }> };
    return items.length === RUNS && items.every((r) => r.state === 'complete');
  });

  const page = await ui.newPage();
  const runRequests: string[] = [];
  page.on('request', (req) => {
    if (/\/api\/pipelines\/ui-pager\/runs\?/.test(req.url())) runRequests.push(new URL(req.url()).search);
  });
  await page.goto('/');
  await signIn(page, ui.svc.token);
  await page.goto('/pipelines/ui-pager');
  const rows = page.locator('.gofer-runs tbody tr');
  const shown = () => rows.evaluateAll((trs): number[] => trs.map((tr) => Number(tr.getAttribute('data-run-id'))));
  const expectRuns = async (from: number, to: number) => {
    const want = Array.from({ length: from - to + 1 }, (_, i) => from - i);
    await waitFor(`runs ${from} to ${to}`, async () => JSON.stringify(await shown()) === JSON.stringify(want));
  };
  const older = page.getByRole('button', { name: 'Older' });
  const newer = page.getByRole('button', { name: 'Newer' });

  await expectRuns(45, 26);
  await older.click();
  await expectRuns(25, 6);
  await older.click();
  await expectRuns(5, 1);
  assert.ok(await older.isDisabled(), 'no page older than the last');
  await newer.click();
  await expectRuns(25, 6);
  await newer.click();
  await expectRuns(45, 26);
  assert.ok(await newer.isDisabled());

  // Each page asked for one page (and one run more, to know whether an older page exists).
  assert.ok(runRequests.some((q) => /before=26\b/.test(q)) && runRequests.some((q) => /before=6\b/.test(q)), runRequests.join(' '));
  for (const q of runRequests.filter((q) => q.includes('before='))) assert.match(q, /limit=21\b/);
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test.run();
