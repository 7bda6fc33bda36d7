/**
 * The web UI's files at `/`, from a throw-away built UI (`server.uiDir`) on a real socket:
 * hashed assets cached for a year, index.html revalidated, client-side routes answered with
 * index.html, a strict CSP on every UI answer, the API untouched; and without a built UI, a
 * page that says how to install one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachApiServer } from '../../core/src/server/start-service.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script></head><body><div id="root"></div></body></html>';

const root = mkdtempSync(join(tmpdir(), 'gofer-ui-test-'));
const dist = join(root, 'dist');
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), INDEX);
writeFileSync(join(dist, 'assets', 'app-3f2a1b.js'), 'console.log("gofer ui");\n');
writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

async function serve(uiDir: string) {
  const core = await goferWithFake({ config: { server: { host: '127.0.0.1', port: 0, uiDir } } });
  const { server } = await attachApiServer(core);
  const { gofer } = core;
  return { url: server.address.url, close: () => gofer.close() };
}

function assertUiHeaders(res: Response, what: string): void {
  assert.is(res.headers.get('content-security-policy'), CSP, `${what}: CSP`);
  assert.is(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.is(res.headers.get('referrer-policy'), 'no-referrer', `${what}: referrer policy`);
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('a built UI: assets immutable, index.html revalidated, client routes get index.html, every answer with the CSP', async () => {
  const ui = await serve(dist);
  try {
    const index = await fetch(`${ui.url}/`);
    assert.is(index.status, 200);
    assert.is(await index.text(), INDEX);
    assert.match(index.headers.get('content-type') ?? '', 'text/html');
    assert.is(index.headers.get('cache-control'), 'no-cache');
    assertUiHeaders(index, '/');

    const asset = await fetch(`${ui.url}/assets/app-3f2a1b.js`);
    assert.is(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', 'javascript');
    assert.is(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assertUiHeaders(asset, 'an asset');

    const icon = await fetch(`${ui.url}/favicon.svg`);
    assert.is(icon.status, 200);
    assert.is(icon.headers.get('cache-control'), 'no-cache', 'files outside /assets/ are revalidated');

    for (const route of ['/pipelines/demo/runs/3', '/runs?state=running', '/index.html']) {
      const page = await fetch(`${ui.url}${route}`);
      assert.is(page.status, 200, route);
      assert.is(await page.text(), INDEX, `${route} answers index.html`);
      assert.is(page.headers.get('cache-control'), 'no-cache', route);
      assertUiHeaders(page, route);
    }
    const head = await fetch(`${ui.url}/pipelines/demo`, { method: 'HEAD' });
    assert.is(head.status, 200);

    const missingAsset = await fetch(`${ui.url}/assets/app-000000.js`);
    assert.is(missingAsset.status, 404, 'a missing hashed file is not answered with the app');
    assertUiHeaders(missingAsset, 'a missing asset');

    // The API keeps its own answers.
    const api = await fetch(`${ui.url}/api/nope`);
    assert.is(api.status, 404);
    assert.is(((await api.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
    assert.is((await fetch(`${ui.url}/api/health`)).status, 200);
    const post = await fetch(`${ui.url}/somewhere`, { method: 'POST' });
    assert.is(post.status, 404, 'only GET and HEAD reach the UI');
  } finally {
    await ui.close();
  }
});

test('no built UI: / says how to install one, with the same headers', async () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  const ui = await serve(empty);
  try {
    const page = await fetch(`${ui.url}/`);
    assert.is(page.status, 200);
    const text = await page.text();
    assert.match(text, 'web UI is not installed');
    assert.match(text, 'npm install @gofer/ui');
    assert.match(text, 'server.uiDir');
    assertUiHeaders(page, 'the install page');
    const elsewhere = await fetch(`${ui.url}/pipelines/demo`);
    assert.is(elsewhere.status, 404);
    assert.match(await elsewhere.text(), 'not installed');
  } finally {
    await ui.close();
  }
});

test.run();
