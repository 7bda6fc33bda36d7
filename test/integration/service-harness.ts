/**
 * Test harness for the service suites: starts the REAL service process
 * (`gofer service start` from sources through tsx) on a free 127.0.0.1 port with a temp data
 * dir, runs the real CLI binary against it, and stops everything afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One secret store key per test process, so a restarted service reads what it stored. */
const SECRET_KEY = randomBytes(32).toString('hex');

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'core/src/cli/main.ts');
const NODE_ARGS = ['--conditions=gofer-source', '--import', 'tsx', CLI];

/** True when every core source file is older than its compiled output (npm test builds first). */
function distIsFresh(): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  try {
    return walk(join(ROOT, 'core/src'))
      .filter((f) => f.endsWith('.ts'))
      .every((src) => statSync(src).mtimeMs <= statSync(src.replace('/core/src/', '/core/dist/').replace(/\.ts$/, '.js')).mtimeMs);
  } catch {
    return false;
  }
}

/**
 * How the CLI binary is run: `core/bin/gofer.js` (what users run: the bundle of dist/, or dist/
 * itself when tsc rebuilt it after the bundle) when dist/ is up to date with the sources, else the
 * sources through tsx (slower to start, always current).
 */
const CLI_ARGS = distIsFresh() ? [join(ROOT, 'core/bin/gofer.js')] : NODE_ARGS;

export interface RunningService {
  url: string;
  dataDir: string;
  /** The bootstrap management token's secret. */
  token: string;
  child: ChildProcess;
  /** stderr so far (the service's log lines). */
  logs(): string;
  /** SIGTERM, wait for exit (SIGKILL after 20 s); resolves the exit code. Removes the data dir unless kept. */
  stop(): Promise<number | null>;
}

/** Starts the service; resolves once it listens and a bootstrap token exists. */
export async function startServiceProcess(
  opts: { env?: Record<string, string>; scheduler?: string; dataDir?: string; keepDataDir?: boolean; bootstrap?: boolean } = {},
): Promise<RunningService> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gofer-svc-test-'));
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, 'service', 'start', '--port', '0', '--bind', '127.0.0.1', '--data-dir', dataDir, '--scheduler', opts.scheduler ?? 'process'],
    {
      cwd: ROOT,
      env: { ...process.env, GOFER_CONFIG: '', GOFER_LOG_LEVEL: 'info', GOFER_SECRET_KEY: SECRET_KEY, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start within 60 s:\n${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${stderr}`));
    });
  });
  let url: string;
  try {
    url = await listening;
  } catch (err) {
    child.kill('SIGKILL');
    if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let secret = '';
  if (opts.bootstrap ?? true) {
    const res = await fetch(`${url}/api/tokens/bootstrap`, { method: 'POST' });
    ({ secret } = (await res.json()) as { secret: string });
  }
  let stopped: Promise<number | null> | undefined;
  return {
    url,
    dataDir,
    token: secret,
    child,
    logs: () => stderr,
    stop() {
      stopped ??= new Promise<number | null>((resolve) => {
        const done = (code: number | null) => {
          if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
          resolve(code);
        };
        if (child.exitCode !== null) return done(child.exitCode);
        // A service that does not stop within 20 s is killed (the exit code then says so: null).
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', (code) => {
          clearTimeout(killer);
          done(code);
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the real `gofer` CLI binary without waiting (followers such as `event list -f`). */
export function spawnGofer(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs the real `gofer` CLI binary to completion (compiled when fresh, else from sources). */
export function gofer(args: string[], env: Record<string, string | undefined> = {}, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** A fetch bound to the service with a token (or none). */
export function api(url: string, token?: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
    if (body instanceof Uint8Array) {
      // A copy on its own ArrayBuffer: what fetch's body types accept under both Node's and the DOM's lib.
      init.body = new Uint8Array(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`${url}${path}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as any, text, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
}

/** A small pipeline config for tests. */
export function pipelineConfig(
  id: string,
  tasks: Array<{ id: string; command: string[]; dependsOn?: Record<string, 'any' | 'success' | 'failure'>; injectApiToken?: boolean }>,
) {
  return { id, name: `test ${id}`, tasks: tasks.map((t) => ({ image: 'gofer-test/busybox:latest', ...t })) };
}

/** Shell that waits for `path` to exist, at most 30 s (so a failed test leaves no endless task). */
export function waitForFileSh(path: string): string {
  return `i=0; while [ ! -f ${path} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`;
}
