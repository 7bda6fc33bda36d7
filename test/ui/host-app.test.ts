/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * examples/host-app-ui (built by `npm run build`) mounts @gofer/ui's views in its own React app,
 * under its own routes (/ci/...) and its own sign-in. Served the way the example's README says
 * (its files and the service behind one origin: a small proxy sends /api/ to the real service),
 * it lists pipelines, pages runs, draws a live run graph and streams a task's log in Chromium.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineConfig, ROOT } from '../integration/service-harness.js';
import { describeViolations, problemsOf, screenshot, seriousAxeViolations, startUi, type UiSession } from './ui-harness.js';

const DIST = join(ROOT, 'examples/host-app-ui/dist');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

let ui: UiSession;
let host: Server;
let hostUrl: string;

/** The host's own server: its static files, with /api/ proxied (streams included) to the service. */
function startHost(serviceUrl: string): Promise<Server> {
  const target = new URL(serviceUrl);
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) {
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      res.on('close', () => upstream.destroy());
      return;
    }
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname));
    let file = join(DIST, path);
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test.before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'build the example first: npm run build');
  ui = await startUi();
  host = await startHost(ui.svc.url);
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  const config = pipelineConfig('hosted', [
    { id: 'prepare', command: ['sh', '-c', 'echo preparing'] },
    { id: 'ship', command: ['sh', '-c', 'for i in 1 2 3; do echo "shipping part $i"; done'], dependsOn: { prepare: 'success' } },
  ]);
  assert.is((await ui.m('POST', '/api/pipelines', { config })).status, 201);
  assert.is((await ui.m('POST', '/api/pipelines/hosted/runs', {})).status, 201);
});

test.after(async () => {
  await new Promise((resolve) => (host ? host.close(resolve) : resolve(undefined)));
  await ui?.close();
});

test("the host app mounts Gofer's views under its own routes, auth and links", async () => {
  const page = await ui.newPage();
  await page.goto(`${hostUrl}/`);
  await page.getByRole('heading', { name: 'Welcome to Acme Deploys' }).waitFor();
  await page.getByRole('navigation', { name: 'Acme' }).getByRole('link', { name: 'CI pipelines' }).click();
  await page.getByLabel('Acme CI token').fill(ui.svc.token);
  await page.getByRole('button', { name: 'Continue' }).click();

  // <PipelineList>, linking with the host's paths and router (no full page load).
  await page.locator('tr[data-pipeline-id="hosted"] .gofer-strip').waitFor();
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  await page.getByRole('link', { name: 'test hosted' }).click();
  await page.waitForURL(`${hostUrl}/ci/pipelines/hosted`);
  // <RunsTable> on a host page that also uses a hook (usePipeline) for its heading.
  await page.getByRole('heading', { name: 'test hosted' }).waitFor();
  await page.locator('tr[data-run-id="1"]').getByRole('link', { name: '#1' }).click();
  await page.waitForURL(`${hostUrl}/ci/pipelines/hosted/runs/1`);
  // <RunGraph>: every node final.
  await page.locator('.gofer-node[data-task-id="prepare"][data-status="successful"]').waitFor();
  await page.locator('.gofer-node[data-task-id="ship"][data-status="successful"]').waitFor();
  await screenshot(page, 'host-app-run');
  await page.locator('.gofer-node[data-task-id="ship"]').click({ position: { x: 120, y: 50 } });
  await page.waitForURL(`${hostUrl}/ci/pipelines/hosted/runs/1/tasks/ship`);
  // <TaskLog>
  await page.locator('.gofer-log__status[data-log-status="complete"]').waitFor();
  assert.equal(await page.locator('.gofer-log__line .gofer-log__text').allInnerTexts(), ['shipping part 1', 'shipping part 2', 'shipping part 3']);
  assert.ok(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument), 'navigation stayed in the host app (its router)');
  const violations = await seriousAxeViolations(page);
  assert.is(violations.length, 0, describeViolations(violations));
  await screenshot(page, 'host-app-log');
  assert.equal(await problemsOf(page), []);
  await page.close();
});

test.run();
