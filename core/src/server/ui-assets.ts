/**
 * The web UI's built files at `/` (@fastify/static): hashed files under `/assets/` cached for a
 * year, `index.html` revalidated on every load, and any other GET outside `/api/` answered with
 * `index.html` so that client-side routes survive a reload. Every UI answer carries a strict
 * Content-Security-Policy. Without a built UI, `/` says how to install one.
 */
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const UI_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
});

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Where the UI comes from: `server.uiDir`, else the installed `@gofer/ui` package's `dist/`. */
export interface UiSource {
  /** A folder holding `index.html`, or undefined when there is none. */
  dir: string | undefined;
  /** What was looked at, for the "not installed" page. */
  looked: string;
}

/** Finds the built UI. A configured folder wins; it must hold an `index.html`. */
export function resolveUiDir(configured: string | undefined): UiSource {
  if (configured) return { dir: existsSync(join(configured, 'index.html')) ? configured : undefined, looked: `server.uiDir (${configured})` };
  let dist: string;
  try {
    dist = join(dirname(fileURLToPath(import.meta.resolve('@gofer/ui/package.json'))), 'dist');
  } catch {
    return { dir: undefined, looked: 'the @gofer/ui package (not installed)' };
  }
  return { dir: existsSync(join(dist, 'index.html')) ? dist : undefined, looked: `the @gofer/ui package (${dist})` };
}

/** True for requests the UI answers: GET or HEAD outside `/api`. */
export function isUiRequest(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0]!;
  return path !== '/api' && !path.startsWith('/api/');
}

function notInstalledPage(looked: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Gofer: web UI not installed</title></head>
<body>
<h1>The Gofer web UI is not installed</h1>
<p>This service answers its HTTP API under <a href="/api/health">/api/</a> (described at <a href="/api/openapi.json">/api/openapi.json</a>), but it found no built UI in ${escapeHtml(looked)}.</p>
<p>Install it next to Gofer with <code>npm install @gofer/ui</code>, or set <code>server.uiDir</code> (<code>GOFER_UI_DIR</code>) to a folder holding a built UI (its <code>index.html</code> and <code>assets/</code>), then restart the service.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Serves the UI from `source.dir`, or the "not installed" page. Returns the fallback for GETs
 * no route matched (the server's not-found handler calls it for UI requests).
 */
export async function registerUi(app: FastifyInstance, source: UiSource): Promise<(request: FastifyRequest, reply: FastifyReply) => FastifyReply> {
  const dir = source.dir;
  if (!dir) {
    const page = notInstalledPage(source.looked);
    return (request, reply) =>
      reply
        .code(new URL(request.url, 'http://x').pathname === '/' ? 200 : 404)
        .headers({ ...UI_HEADERS, 'cache-control': REVALIDATE })
        .type('text/html; charset=utf-8')
        .send(page);
  }
  const assets = join(dir, 'assets') + sep;
  // RFC 9239: JavaScript is text/javascript; the static plugin's mime table still says application/javascript.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/javascript')) reply.header('content-type', 'text/javascript; charset=utf-8');
    return payload;
  });
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    cacheControl: false,
    // One route per built file, no `/*` wildcard: API paths never reach the static handler (a path
    // parameter over the router's limit would otherwise fall through to it and answer 404, not 400).
    wildcard: false,
    index: 'index.html',
    setHeaders(res, path) {
      for (const [name, value] of Object.entries(UI_HEADERS)) res.setHeader(name, value);
      res.setHeader('cache-control', path.startsWith(assets) ? IMMUTABLE : REVALIDATE);
    },
  });
  return (request, reply) => {
    // A missing hashed file is a 404, not the app: a stale page must not get HTML for its script.
    if (new URL(request.url, 'http://x').pathname.startsWith('/assets/'))
      return reply
        .code(404)
        .headers({ ...UI_HEADERS, 'cache-control': REVALIDATE })
        .type('text/plain; charset=utf-8')
        .send('Not found\n');
    return reply.headers({ ...UI_HEADERS, 'cache-control': REVALIDATE }).sendFile('index.html');
  };
}
