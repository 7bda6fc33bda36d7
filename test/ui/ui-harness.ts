/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Browser test harness: the REAL service (started as service-harness.ts starts it, serving the
 * built UI from ui/dist) and Debian's Chromium driven by playwright-core, with a fresh profile.
 * Every page the tests open is watched: a script error, a Content-Security-Policy violation or a
 * dialog fails the test, and the helpers take screenshots (test/ui/output/, gitignored) and run
 * axe-core in the page.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { api, ROOT, startServiceProcess, type RunningService } from '../integration/service-harness.js';

export const CHROMIUM = process.env.GOFER_CHROMIUM ?? '/usr/bin/chromium';
/** Flags that work as root on these machines; the background-networking ones keep Chromium off the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const OUTPUT_DIR = join(ROOT, 'test/ui/output');
export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Fails with a clear message when the UI or the browser is missing, instead of a timeout later. */
export function requireUiPrerequisites(): void {
  if (!existsSync(join(ROOT, 'ui/dist/index.html'))) throw new Error('ui/dist is missing: run npm run build at the repository root first.');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/browser-up.sh (installs Debian's chromium).`);
}

export interface PageProblems {
  /** Script errors, CSP violations, dialogs and failed requests the page reported. */
  list: string[];
}

export interface UiSession {
  svc: RunningService;
  context: BrowserContext;
  /** The management token's API (for setting up pipelines). */
  m: ReturnType<typeof api>;
  newPage(viewport?: { width: number; height: number }): Promise<Page & { problems: PageProblems }>;
  close(): Promise<void>;
}

/** Starts the service and a browser. `scheduler` defaults to the process scheduler. */
export async function startUi(opts: { scheduler?: string; env?: Record<string, string> } = {}): Promise<UiSession> {
  requireUiPrerequisites();
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const svc = await startServiceProcess({ ...(opts.scheduler ? { scheduler: opts.scheduler } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const profile = mkdtempSync(join(tmpdir(), 'gofer-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: WIDE,
      baseURL: svc.url,
    });
  } catch (err) {
    await svc.stop();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  // Reports from the page itself: CSP violations (a blocked inline script means markup was
  // injected) and whether an injected payload ever ran.
  await context.addInitScript(() => {
    // Functions handed to page.evaluate are compiled by tsx (esbuild, keepNames), which wraps
    // named inner functions in a __name() helper the page does not have.
    (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f;
    const w = window as unknown as { __goferProblems: string[] };
    w.__goferProblems = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__goferProblems.push(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`),
    );
  });
  const pages: Page[] = [];
  return {
    svc,
    context,
    m: api(svc.url, svc.token),
    async newPage(viewport = WIDE) {
      const page = (await context.newPage()) as Page & { problems: PageProblems };
      await page.setViewportSize(viewport);
      page.problems = { list: [] };
      page.on('pageerror', (err) => page.problems.list.push(`page error: ${err.message}`));
      page.on('dialog', (d) => {
        page.problems.list.push(`dialog opened: ${d.type()} ${d.message()}`);
        void d.dismiss();
      });
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d /.test(msg.text()))
          page.problems.list.push(`console error: ${msg.text()}`);
      });
      pages.push(page);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
      await svc.stop();
    },
  };
}

/** Everything the page reported so far, CSP violations included; empty when all is well. */
export async function problemsOf(page: Page & { problems: PageProblems }): Promise<string[]> {
  const inPage = await page.evaluate(() => (window as unknown as { __goferProblems?: string[] }).__goferProblems ?? []).catch(() => []);
  return [...page.problems.list, ...inPage];
}

/** Signs in through the login form. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Saves a screenshot as test/ui/output/<name>-<width>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const width = page.viewportSize()?.width ?? 0;
  const file = join(OUTPUT_DIR, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core in the page; returns the serious and critical violations (empty: none). */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe !== 'undefined');
  // The page's CSP forbids inline scripts, so axe is evaluated through the DevTools protocol, which CSP does not govern.
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate<{ violations: AxeViolation[] }>(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A readable report of axe violations for assertion messages. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\n/g, ' ')})` : ''}`).join('\n    ')}`,
    )
    .join('\n');
}
