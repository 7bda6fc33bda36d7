/**
 * The service serves the built UI at `/` (same origin as the API): hashed assets cached for a
 * year, index.html revalidated, client-side routes answered with index.html, a strict
 * Content-Security-Policy and the other security headers on every UI answer, nothing outside the
 * UI folder reachable, the API untouched, and a page saying how to install the UI when there is
 * none (config `server.uiDir` pointing at an empty folder).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, startServiceProcess, type RunningService } from '../integration/service-harness.js';
import { requireUiPrerequisites } from './ui-harness.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

let svc: RunningService;

test.before(async () => {
  requireUiPrerequisites();
  svc = await startServiceProcess({ bootstrap: false });
});

test.after(async () => {
  await svc?.stop();
});

/** A raw request (fetch would normalise `..` out of the path). */
function raw(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertSecurityHeaders(headers: Headers | Record<string, unknown>, where: string): void {
  const get = (k: string) => (headers instanceof Headers ? headers.get(k) : (headers[k] as string | undefined));
  assert.is(get('content-security-policy'), CSP, `${where}: CSP`);
  assert.is(get('x-content-type-options'), 'nosniff', `${where}: nosniff`);
  assert.is(get('referrer-policy'), 'no-referrer', `${where}: referrer policy`);
}

test('GET / answers index.html, revalidated on every load, with the security headers', async () => {
  const res = await fetch(`${svc.url}/`);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', 'text/html');
  assert.is(res.headers.get('cache-control'), 'no-cache');
  assertSecurityHeaders(res.headers, '/');
  const html = await res.text();
  assert.is(html, readFileSync(join(ROOT, 'ui/dist/index.html'), 'utf8'));
  assert.not.match(html, /<script>(?!<\/script>)/, 'no inline script (the CSP would refuse it)');
});

test('hashed assets are immutable for a year; client-side routes answer index.html; missing assets 404', async () => {
  const asset = readdirSync(join(ROOT, 'ui/dist/assets')).find((f) => /^index-.*\.js$/.test(f))!;
  const js = await fetch(`${svc.url}/assets/${asset}`);
  assert.is(js.status, 200);
  assert.is(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(js.headers.get('content-type') ?? '', 'text/javascript');
  assertSecurityHeaders(js.headers, 'asset');
  assert.is(await js.text(), readFileSync(join(ROOT, 'ui/dist/assets', asset), 'utf8'));

  for (const route of ['/pipelines/demo', '/pipelines/demo/runs/3/tasks/build', '/events?x=1']) {
    const res = await fetch(`${svc.url}${route}`);
    assert.is(res.status, 200, route);
    assert.is(res.headers.get('cache-control'), 'no-cache', route);
    assert.match(await res.text(), '<div id="root">', route);
  }
  const missing = await fetch(`${svc.url}/assets/index-00000000.js`);
  assert.is(missing.status, 404, 'a stale page asking for an old build gets a 404, not HTML as script');
  assertSecurityHeaders(missing.headers, 'missing asset');

  const head = await raw(svc.url, '/', 'HEAD');
  assert.is(head.status, 200);
  assert.is(head.body, '');
});

test('nothing outside the UI folder is reachable', async () => {
  for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json']) {
    const res = await raw(svc.url, path);
    assert.not.match(res.body, '"name": "@gofer/ui"', path);
    assert.not.match(res.body, '"workspaces"', path);
  }
});

test('the API is untouched: JSON errors under /api/, other methods outside it are API 404s', async () => {
  const api = await fetch(`${svc.url}/api/no-such-route`);
  assert.is(api.status, 404);
  assert.is(((await api.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  const post = await fetch(`${svc.url}/pipelines`, { method: 'POST' });
  assert.is(post.status, 404);
  assert.is(((await post.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  assert.is((await fetch(`${svc.url}/api/health`)).status, 200);
});

test('server.uiDir pointing at a folder without a build answers a page saying how to install the UI', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-no-ui-'));
  const config = join(dir, 'gofer.config.json');
  writeFileSync(config, JSON.stringify({ root: ROOT, server: { uiDir: join(dir, 'empty-ui') } }));
  const other = await startServiceProcess({ env: { GOFER_CONFIG: config }, bootstrap: false });
  try {
    const res = await fetch(`${other.url}/`);
    assert.is(res.status, 200);
    assertSecurityHeaders(res.headers, 'not installed');
    assert.match(await res.text(), 'npm install @gofer/ui');
    assert.is((await fetch(`${other.url}/pipelines/x`)).status, 404);
    assert.is((await fetch(`${other.url}/api/health`)).status, 200);
  } finally {
    await other.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
