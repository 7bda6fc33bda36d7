/**
 * Shared pieces of the reliability suite: a seeded PRNG (failures reproduce from the printed
 * seed), a config file for a real service on the Docker scheduler, containers by label, and
 * the one `figure:` line each check prints.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, type RunningService } from '../integration/service-harness.js';

/** mulberry32: small, fast, good enough to generate test inputs reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this process: `GOFER_TEST_SEED` to replay a failure, else a fresh one. */
export function testSeed(): number {
  const fromEnv = Number(process.env.GOFER_TEST_SEED);
  return Number.isInteger(fromEnv) && process.env.GOFER_TEST_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** Prints the one summary line of a check (the test runner echoes `figure:` lines into the CI log). */
export function figure(text: string): void {
  console.log(`\nfigure: ${text}`);
}

/**
 * Writes a gofer.config.json for a service on the Docker scheduler (network none, no pulls) and
 * returns its path: hand it to `startServiceProcess({ env: { GOFER_CONFIG: path } })`. The file is
 * removed when the test process exits.
 */
export function dockerServiceConfig(extra: Record<string, unknown> = {}, dockerSettings: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-rel-cfg-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'gofer.config.json');
  const config = {
    root: ROOT,
    stopTimeoutMs: 1000,
    ...extra,
    schedulers: { docker: { networkMode: 'none', pullPolicy: 'never', ...dockerSettings } },
  };
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** A container as `docker ps -a` lists it. */
export interface ListedContainer {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Every container (running or not) carrying `label=value`. */
export function containersWithLabel(label: string, value: string): ListedContainer[] {
  const out = execFileSync('docker', ['ps', '-a', '--no-trunc', '--filter', `label=${label}=${value}`, '--format', '{{json .}}'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const c = JSON.parse(line) as { ID: string; Names: string; State: string; Labels: string };
      const labels = Object.fromEntries(
        c.Labels.split(',')
          .filter(Boolean)
          .map((kv) => {
            const i = kv.indexOf('=');
            return [kv.slice(0, i), kv.slice(i + 1)];
          }),
      );
      return { id: c.ID, name: c.Names, state: c.State, labels };
    });
}

/**
 * Removes every container carrying `label=value`. Use only a label that is the test's own (its
 * pipeline id): files run side by side on one engine, and a shared label such as `gofer.run=4`
 * also matches another file's containers (that removed a parallel trial's evidence once).
 */
export function removeContainersWithLabel(label: string, value: string): void {
  try {
    removeContainers(containersWithLabel(label, value).map((c) => c.id));
  } catch {
    // The engine is gone: nothing to remove.
  }
}

/** Removes these containers (by id); those already gone are ignored. */
export function removeContainers(ids: string[]): void {
  try {
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
  } catch {
    // The engine is gone: nothing to remove.
  }
}

/** `docker inspect` exit code and running flag of a container by name or id; undefined once it is gone. */
export function containerExit(nameOrId: string): { running: boolean; exitCode: number } | undefined {
  let out: string;
  try {
    out = execFileSync('docker', ['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', nameOrId], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (err) {
    if (/No such (object|container)/i.test(String((err as { stderr?: unknown }).stderr ?? err))) return undefined;
    throw err;
  }
  const [running, code] = out.split(' ');
  return { running: running === 'true', exitCode: Number(code) };
}

/** Resolves after `ms` (used only for the random kill moment, never to wait for a condition). */
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGKILLs a service started by the harness and resolves once it is gone (the crash the trials recover from). */
export async function killService(svc: RunningService): Promise<void> {
  svc.child.kill('SIGKILL');
  await new Promise((r) => (svc.child.exitCode !== null || svc.child.signalCode !== null ? r(null) : svc.child.once('exit', r)));
}
