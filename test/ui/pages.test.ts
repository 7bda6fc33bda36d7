/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Every page of the web UI, at 1280 px and at 390 px: axe-core (run inside the page) reports no
 * serious or critical violation, the page does not scroll sideways on a phone (tables scroll in
 * their own region), nothing is reported by the page (script error, CSP violation), and a
 * screenshot is saved under test/ui/output/. The forms that write (put a secret, create a token)
 * are used on the way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineConfig, waitForFileSh } from '../integration/service-harness.js';
import {
  describeViolations,
  NARROW,
  problemsOf,
  screenshot,
  seriousAxeViolations,
  signIn,
  startUi,
  WIDE,
  type PageProblems,
  type UiSession,
} from './ui-harness.js';

let ui: UiSession;
let go: string;

const COLOURED = [
  'printf "\\033[1mBuilding\\033[0m the project\\n"',
  'printf "\\033[32m✓ compiled 42 files\\033[0m\\n"',
  'printf "\\033[33mwarning:\\033[0m unused variable\\n"',
  'printf "\\033[31merror:\\033[0m none, this is a demo\\n"',
  'printf "\\033[36minfo\\033[0m done in 1.2 s\\n"',
].join('; ');

test.before(async () => {
  ui = await startUi();
  go = join(ui.svc.dataDir, 'go-pages');
  const tasks: Array<{ id: string; command: string[]; dependsOn?: Record<string, 'success' | 'failure' | 'any'> }> = [
    { id: 'checkout', command: ['sh', '-c', 'echo "cloning"; echo "checked out main"'] },
    { id: 'build', command: ['sh', '-c', COLOURED], dependsOn: { checkout: 'success' } },
    { id: 'unit_tests', command: ['sh', '-c', 'echo "12 passed"'], dependsOn: { build: 'success' } },
    { id: 'lint', command: ['sh', '-c', 'echo "lint clean"'], dependsOn: { checkout: 'success' } },
    {
      id: 'deploy',
      command: ['sh', '-c', `echo "deploying $TARGET"; ${waitForFileSh(go)}; echo deployed`],
      dependsOn: { unit_tests: 'success' as const, lint: 'success' },
    },
    { id: 'page_oncall', command: ['sh', '-c', 'echo paging'], dependsOn: { deploy: 'failure' } },
  ];
  const config = { ...pipelineConfig('ui-pages', tasks), name: 'Web app', description: 'Builds, tests and deploys the web app.' };
  assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);
  // A second version, so the versions table offers a deploy.
  assert.is((await ui.m('POST', '/api/pipelines', { config: { ...config, description: 'Builds, tests and deploys the web app (v2).' } })).status, 201);
  assert.is((await ui.m('POST', '/api/pipelines/ui-pages/subscriptions', { extension: 'interval', label: 'hourly', settings: { every: '1h' } })).status, 201);
  assert.is((await ui.m('PUT', '/api/pipelines/ui-pages/objects/build-cache', new Uint8Array([1, 2, 3]))).status, 204);
  assert.is((await ui.m('POST', '/api/pipelines', { config: pipelineConfig('nightly', [{ id: 'only', command: ['sh', '-c', 'exit 1'] }]) })).status, 201);
  // Run 1 completes (deploy released below); run 2 of nightly fails.
  assert.is((await ui.m('POST', '/api/pipelines/ui-pages/runs', { variables: { TARGET: 'staging' } })).status, 201);
  assert.is((await ui.m('POST', '/api/pipelines/nightly/runs', {})).status, 201);
});

test.after(async () => {
  await ui?.close();
});

type WatchedPage = Page & { problems: PageProblems };

/** Axe, no sideways scrolling, nothing reported, and a screenshot, at the page's current width. */
async function check(page: WatchedPage, name: string): Promise<void> {
  const violations = await seriousAxeViolations(page);
  assert.is(violations.length, 0, `${name} at ${page.viewportSize()?.width} px:\n${describeViolations(violations)}`);
  const { overflow, widest } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    // The outermost elements reaching past the right edge, to say what to fix.
    const widest = [...document.querySelectorAll('body *')]
      .filter(
        (e) =>
          e.getBoundingClientRect().right > width + 1 &&
          !e.parentElement?.closest('.gofer-table-wrap, .gofer-log__scroll, .react-flow, .gofer-visually-hidden'),
      )
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
    return { overflow: document.documentElement.scrollWidth - width, widest };
  });
  assert.ok(overflow <= 1, `${name} at ${page.viewportSize()?.width} px scrolls sideways by ${overflow} px: ${widest.join(', ')}`);
  await screenshot(page, name);
  assert.equal(await problemsOf(page), [], `${name}: the page reported problems`);
}

/** Opens `path`, waits for `ready`, then checks at both widths. */
async function visit(page: WatchedPage, name: string, path: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  await page.setViewportSize(WIDE);
  await page.goto(path);
  await ready(page);
  await check(page, name);
  await page.setViewportSize(NARROW);
  await ready(page);
  await check(page, name);
}

const allFinal = (page: Page) =>
  page.waitForFunction(() => {
    const nodes = [...document.querySelectorAll('.gofer-node')];
    return nodes.length > 0 && nodes.every((n) => ['successful', 'failed', 'skipped', 'cancelled'].includes(n.getAttribute('data-status') ?? ''));
  });

test('the login page, with and without an error', async () => {
  const page = await ui.newPage();
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to Gofer' }).waitFor();
  await check(page, 'login');
  await page.setViewportSize(NARROW);
  await check(page, 'login');
  await page.getByLabel('API token').fill('gofer_wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await check(page, 'login-refused');
  await page.close();
});

test('every signed-in page passes axe at 1280 and 390 px', async () => {
  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, ui.svc.token);

  // A run while it runs: deploy blocks until the test releases it.
  await visit(page, 'run-live', '/pipelines/ui-pages/runs/1', (p) => p.locator('.gofer-node[data-task-id="deploy"][data-status="running"]').waitFor());
  await visit(page, 'task-live', '/pipelines/ui-pages/runs/1/tasks/deploy', (p) => p.locator('.gofer-log__line', { hasText: 'deploying staging' }).waitFor());
  writeFileSync(go, '');

  await visit(page, 'run', '/pipelines/ui-pages/runs/1', (p) => Promise.all([allFinal(p), p.locator('[data-run-status="successful"]').waitFor()]));
  await visit(page, 'task', '/pipelines/ui-pages/runs/1/tasks/build', (p) => p.locator('.gofer-log__status[data-log-status="complete"]').waitFor());
  await visit(page, 'pipelines', '/', (p) =>
    Promise.all([p.locator('tr[data-pipeline-id="ui-pages"] .gofer-strip').waitFor(), p.locator('tr[data-pipeline-id="nightly"] .gofer-strip').waitFor()]),
  );
  await visit(page, 'pipeline', '/pipelines/ui-pages', (p) =>
    Promise.all([
      p.locator('tr[data-run-id="1"]').waitFor(),
      p.locator('.gofer-chart').waitFor(),
      p.getByRole('button', { name: 'Deploy version 2' }).waitFor(),
      p.getByRole('region', { name: 'Subscriptions table' }).waitFor(),
    ]),
  );
  await visit(page, 'events', '/events', (p) => p.locator('tr[data-event-type="run.completed"]').first().waitFor());
  await visit(page, 'plugins', '/plugins', (p) =>
    Promise.all([p.locator('tr[data-plugin="process"]').waitFor(), p.locator('tr[data-extension="interval"]').waitFor()]),
  );

  // Secrets: put one through the form, then see its key (never its value).
  await page.setViewportSize(WIDE);
  await page.goto('/secrets');
  await page.getByLabel('Key', { exact: true }).fill('DEPLOY_KEY');
  await page.getByLabel('Value', { exact: true }).fill('s3cr3t-value');
  await page.getByRole('button', { name: 'Store secret' }).click();
  await page.getByRole('status').filter({ hasText: 'Stored secret DEPLOY_KEY' }).waitFor();
  await page.getByRole('list', { name: 'Secret keys (global)' }).getByText('DEPLOY_KEY').waitFor();
  assert.not.match(await page.locator('main').innerText(), /s3cr3t-value/);
  await check(page, 'secrets');
  await page.setViewportSize(NARROW);
  await check(page, 'secrets');
  await page.getByLabel('Scope').selectOption('ui-pages');
  await page.getByRole('list', { name: 'Object keys of ui-pages' }).getByText('build-cache').waitFor();
  await check(page, 'secrets-pipeline');

  // Tokens: create a client token through the form; its secret is shown once.
  await page.setViewportSize(WIDE);
  await page.goto('/tokens');
  await page.getByLabel('Description').fill('ci bot');
  await page.getByLabel('default').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByLabel('Secret', { exact: true }).waitFor();
  assert.match(await page.getByLabel('Secret', { exact: true }).inputValue(), /^gofer_/);
  await page.locator('tr', { hasText: 'ci bot' }).waitFor();
  await check(page, 'tokens');
  await page.setViewportSize(NARROW);
  await check(page, 'tokens');

  await visit(page, 'not-found', '/no/such/page', (p) => p.getByRole('heading', { name: 'Page not found' }).waitFor());
  await page.close();
});

test.run();
