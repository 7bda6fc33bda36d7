/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The web UI in Chromium against the REAL service (process scheduler): sign-in (a wrong token is
 * refused on the page), a run started from the pipeline page with a runtime variable whose graph
 * nodes are watched reaching their final statuses live, a task's log lines arriving live in
 * order, a long run cancelled, the events page following a run live, a token revoked mid-session,
 * and sign-out. Tasks block on files the test writes, so "while it runs" is a fact, not a timing.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineConfig, waitForFileSh } from '../integration/service-harness.js';
import { problemsOf, signIn, startUi, type UiSession } from './ui-harness.js';

let ui: UiSession;

test.before(async () => {
  ui = await startUi();
});

test.after(async () => {
  await ui?.close();
});

const node = (taskId: string, status?: string) => `.gofer-node[data-task-id="${taskId}"]${status ? `[data-status="${status}"]` : ''}`;

test('a wrong token is refused on the login page, and nothing is stored', async () => {
  const page = await ui.newPage();
  await page.goto('/');
  await page.getByLabel('API token').fill('gofer_this_is_not_a_token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /This token was refused/);
  assert.is(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'still on the login page');
  assert.is(await page.evaluate(() => sessionStorage.getItem('gofer.token')), null);
  assert.not.match(page.url(), /gofer_/, 'the token never goes into the URL');
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test('start a run with a runtime variable from the pipeline page and watch every node reach its final status', async () => {
  const go = join(ui.svc.dataDir, 'go-flow');
  const config = pipelineConfig('ui-flow', [
    { id: 'greet', command: ['sh', '-c', `echo "hello $GREETING"; ${waitForFileSh(go)}`] },
    { id: 'test', command: ['sh', '-c', 'echo testing; exit 3'], dependsOn: { greet: 'success' } },
    { id: 'deploy', command: ['sh', '-c', 'echo deploying'], dependsOn: { test: 'success' } },
    { id: 'notify', command: ['sh', '-c', 'echo notifying'], dependsOn: { test: 'failure' } },
  ]);
  assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);

  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, ui.svc.token);
  await page.getByRole('link', { name: 'test ui-flow' }).click();
  await page.getByRole('heading', { level: 1, name: 'test ui-flow' }).waitFor();
  await page.getByLabel('Variable 1 name').fill('GREETING');
  await page.getByLabel('Variable 1 value').fill('Ada');
  await page.getByRole('button', { name: 'Start run' }).click();

  // The form navigates to the new run's page.
  await page.waitForURL(/\/pipelines\/ui-flow\/runs\/1$/);
  await page.locator(node('greet', 'running')).waitFor();
  for (const t of ['test', 'deploy', 'notify']) assert.is(await page.locator(node(t)).getAttribute('data-status'), 'pending', `${t} waits while greet runs`);
  assert.is(await page.locator('.gofer-live').innerText(), 'Live', 'updates come from the live event stream');
  assert.not.ok(existsSync(go));
  writeFileSync(go, '');

  const finals = { greet: 'successful', test: 'failed', deploy: 'skipped', notify: 'successful' };
  for (const [taskId, status] of Object.entries(finals)) await page.locator(node(taskId, status)).waitFor();
  await page.locator('[data-run-status="failed"]').waitFor();
  assert.match(await page.locator(node('test')).innerText(), /exit 3/);
  // The runtime variable is shown with the run, and reached the task (its API record says so).
  const vars = page.getByRole('region', { name: 'Runtime variables of this run' });
  assert.match(await vars.innerText(), /GREETING\s+Ada/);
  const greet = await ui.m('GET', '/api/pipelines/ui-flow/runs/1/tasks/greet');
  assert.ok(
    (greet.json.variables as Array<{ key: string; value: string; source: string }>).some(
      (v) => v.key === 'GREETING' && v.value === 'Ada' && v.source === 'run_options',
    ),
  );
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test('a task page shows its live log lines as they arrive, in order, then complete', async () => {
  const gates = [1, 2, 3].map((i) => join(ui.svc.dataDir, `go-log-${i}`));
  const script = ['echo "line 1"', ...gates.map((g, i) => `${waitForFileSh(g)}; echo "line ${i + 2}"`)].join('; ');
  assert.is((await ui.m('POST', '/api/pipelines', { config: pipelineConfig('ui-log', [{ id: 'talker', command: ['sh', '-c', script] }]) })).status, 201);
  const run = (await ui.m('POST', '/api/pipelines/ui-log/runs', {})).json as { runId: number };

  const page = await ui.newPage();
  await page.goto(`/pipelines/ui-log/runs/${run.runId}/tasks/talker`);
  await signIn(page, ui.svc.token);
  const lines = () => page.locator('.gofer-log__line .gofer-log__text').allInnerTexts();
  const status = page.locator('.gofer-log__status');
  for (let i = 0; i <= gates.length; i++) {
    // Line i+1 is on the page while the task still blocks on the next gate: it arrived live.
    await page.locator(`.gofer-log__line[data-line="${i + 1}"]`).waitFor();
    assert.equal(
      await lines(),
      Array.from({ length: i + 1 }, (_, k) => `line ${k + 1}`),
    );
    if (i < gates.length) {
      assert.is(await status.getAttribute('data-log-status'), 'live');
      writeFileSync(gates[i]!, '');
    }
  }
  await page.locator('.gofer-log__status[data-log-status="complete"]').waitFor();
  assert.is(await status.innerText(), 'Complete: 4 lines');
  await page.locator('[data-task-status="successful"]').waitFor();

  // Search finds a line and says where it is.
  await page.getByLabel('Search the log').fill('line 3');
  await page.locator('.gofer-log__hits', { hasText: '1 of 1' }).waitFor();
  assert.is(await page.locator('.gofer-log__line--hit').count(), 1);

  // Download gives the raw log as a file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
  assert.is(download.suggestedFilename(), `ui-log-run${run.runId}-talker.log`);
  const file = await download.path();
  assert.is((await import('node:fs')).readFileSync(file, 'utf8'), 'line 1\nline 2\nline 3\nline 4\n');
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test('cancel a long run from its page: it ends cancelled', async () => {
  const config = pipelineConfig('ui-cancel', [
    { id: 'long', command: ['sh', '-c', 'echo started; sleep 300'] },
    { id: 'after', command: ['sh', '-c', 'echo after'], dependsOn: { long: 'success' } },
  ]);
  assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);
  const run = (await ui.m('POST', '/api/pipelines/ui-cancel/runs', {})).json as { runId: number };
  const page = await ui.newPage();
  await page.goto(`/pipelines/ui-cancel/runs/${run.runId}`);
  await signIn(page, ui.svc.token);
  await page.locator(node('long', 'running')).waitFor();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByRole('button', { name: 'Yes, cancel' }).click();
  await page.locator('[data-run-status="cancelled"]').waitFor({ timeout: 30_000 });
  await page.locator(node('long', 'cancelled')).waitFor();
  assert.ok(['cancelled', 'skipped'].includes((await page.locator(node('after')).getAttribute('data-status'))!));
  // A complete run offers no cancel.
  assert.is(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
  assert.is((await ui.m('GET', `/api/pipelines/ui-cancel/runs/${run.runId}`)).json.status, 'cancelled');
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test("the events page shows a run's events live, filterable by type", async () => {
  assert.is((await ui.m('POST', '/api/pipelines', { config: pipelineConfig('ui-events', [{ id: 'only', command: ['true'] }]) })).status, 201);
  const page = await ui.newPage();
  await page.goto('/events');
  await signIn(page, ui.svc.token);
  await page.locator('.gofer-live', { hasText: 'Live' }).waitFor();
  const run = (await ui.m('POST', '/api/pipelines/ui-events/runs', {})).json as { runId: number };
  const row = (type: string) => page.locator(`tr[data-event-type="${type}"]`, { hasText: `ui-events run ${run.runId}` });
  for (const type of ['run.created', 'run.started', 'task.created', 'task.started', 'task.completed', 'run.completed']) await row(type).first().waitFor();
  // Newest first: run.completed is above run.created.
  const ids = await page.locator('tr[data-event-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-event-id'))));
  assert.equal(
    ids,
    [...ids].sort((a, b) => b - a),
  );
  await page.getByLabel('task.completed').uncheck();
  await page.getByLabel('task.started').uncheck();
  assert.is(await row('task.completed').count(), 0);
  assert.is(await row('task.started').count(), 0);
  assert.ok((await row('run.completed').count()) > 0);
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test('a token revoked mid-session returns to the login page with a message; signing out forgets the token', async () => {
  const created = await ui.m('POST', '/api/tokens', { kind: 'management', description: 'revoked mid-session' });
  assert.is(created.status, 201);
  const { token, secret } = created.json as { token: { tokenId: string }; secret: string };
  const page = await ui.newPage();
  await page.goto('/');
  await signIn(page, secret);
  await page.getByRole('heading', { level: 1, name: 'Pipelines' }).waitFor();
  assert.is((await ui.m('DELETE', `/api/tokens/${token.tokenId}`)).status, 204);
  // The page's next request gets 401 (a click makes one at once; a refetch may already have).
  const plugins = page.getByRole('link', { name: 'Plugins' });
  if (await plugins.isVisible()) await plugins.click({ timeout: 5000 }).catch(() => undefined);
  const notice = page.getByRole('status').filter({ hasText: 'signed out' });
  await notice.waitFor();
  assert.match(await notice.innerText(), /refused the token/);
  assert.is(await page.evaluate(() => sessionStorage.getItem('gofer.token')), null);
  // Signing in again returns to the page the user was on.
  const where = new URL(page.url()).pathname;
  await signIn(page, ui.svc.token);
  assert.is(new URL(page.url()).pathname, where);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('status').filter({ hasText: 'You signed out.' }).waitFor();
  assert.is(await page.evaluate(() => sessionStorage.getItem('gofer.token')), null);
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test('keyboard: the skip link comes first, and a graph node opens its task with Enter', async () => {
  const page = await ui.newPage();
  await page.goto('/pipelines/ui-flow/runs/1');
  await signIn(page, ui.svc.token);
  await page.locator(node('greet', 'successful')).waitFor();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Tab');
  assert.is(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  // Tab on (bounded) to the graph's link for `test`, then open it.
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press('Tab');
    found = await page.evaluate(() => document.activeElement?.closest('.gofer-node')?.getAttribute('data-task-id') === 'test');
  }
  assert.ok(found, 'the graph node of task test is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/runs\/1\/tasks\/test$/);
  await page.getByRole('heading', { level: 1, name: 'Task test' }).waitFor();
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test.run();
