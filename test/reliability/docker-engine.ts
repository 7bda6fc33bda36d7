/**
 * Stops and starts the Docker engine that `scripts/docker-up.sh` started, and only that one:
 * its PID is in `$GOFER_DOCKER_STATE/dockerd.pid` (default /tmp/gofer-docker). The engine is
 * started again with the exact command line it had (read from /proc before stopping it), its
 * output appended to the same log, and the new PID written back. containerd stays up.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/wait-for.js';

const STATE_DIR = process.env.GOFER_DOCKER_STATE ?? '/tmp/gofer-docker';
const PID_FILE = join(STATE_DIR, 'dockerd.pid');

/** The engine this suite may restart, or why it may not. */
export type RestartableEngine = { ok: true; pid: number; argv: string[] } | { ok: false; reason: string };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]?.startsWith('Z');
  } catch {
    return false;
  }
}

function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Finds the engine started by scripts/docker-up.sh (PID file, process alive and really dockerd). */
export function restartableEngine(): RestartableEngine {
  if (!existsSync(PID_FILE))
    return { ok: false, reason: `no ${PID_FILE}: the engine was not started by scripts/docker-up.sh, and this test restarts only that one` };
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return { ok: false, reason: `${PID_FILE} holds ${pid}, which is not a running process` };
  const argv = argvOf(pid);
  if (!/(^|\/)dockerd$/.test(argv[0] ?? '')) return { ok: false, reason: `process ${pid} from ${PID_FILE} is not dockerd (${argv.join(' ')})` };
  return { ok: true, pid, argv };
}

/** True when `docker version` answers (client and engine). */
export function engineAnswers(): boolean {
  try {
    execFileSync('docker', ['version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the engine's PID, then waits for it to exit (containers are stopped by it). */
export async function stopEngine(engine: { pid: number }): Promise<void> {
  process.kill(engine.pid, 'SIGTERM');
  await waitFor(`dockerd ${engine.pid} to exit`, () => !alive(engine.pid), { timeoutMs: 60_000, intervalMs: 100 });
}

/** Starts the engine with `argv` (detached, output appended to its log), records the PID, waits until it answers. */
export async function startEngine(argv: string[]): Promise<number> {
  const log = openSync(join(STATE_DIR, 'dockerd.log'), 'a');
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid!;
  writeFileSync(PID_FILE, `${pid}\n`);
  await waitFor('the restarted engine to answer `docker version`', engineAnswers, { timeoutMs: 60_000, intervalMs: 100 });
  return pid;
}

/** Makes sure an engine answers again: starts one with `argv` when the recorded one is gone. */
export async function restoreEngine(argv: string[]): Promise<void> {
  if (engineAnswers()) return;
  const recorded = Number(existsSync(PID_FILE) ? readFileSync(PID_FILE, 'utf8').trim() : NaN);
  if (Number.isInteger(recorded) && alive(recorded)) {
    // Starting up or shutting down: give it time before starting another.
    try {
      await waitFor('the engine to answer', engineAnswers, { timeoutMs: 30_000, intervalMs: 100 });
      return;
    } catch {
      if (alive(recorded)) await stopEngine({ pid: recorded });
    }
  }
  await startEngine(argv);
}
