/**
 * A single-node swarm for tests. Swarm mode is engine-wide, and two swarm test files may run at
 * the same time, so joining is reference-counted in a state file under a lock directory: the
 * first holder initialises the swarm (only when the engine is not already in one), the last
 * holder leaves it (only when a test initialised it). A swarm that existed before is never left.
 * Plain containers of other tests are not disturbed by swarm mode.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LOCK_DIR = '/tmp/gofer-swarm-test.lock';
const STATE_FILE = '/tmp/gofer-swarm-test.json';

interface SwarmTestState {
  /** True when a Gofer test ran `docker swarm init` (so a Gofer test must leave). */
  initialisedByTests: boolean;
  /** Pids of the test processes using the swarm now. */
  holders: number[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(`${LOCK_DIR}/pid`, String(process.pid));
      break;
    } catch {
      let owner = NaN;
      try { owner = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8')); } catch { /* being written */ }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`swarm test lock ${LOCK_DIR} is held too long`);
      await sleep(50);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function readState(): SwarmTestState {
  try {
    const s = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as SwarmTestState;
    return { initialisedByTests: s.initialisedByTests === true, holders: (s.holders ?? []).filter(alive) };
  } catch {
    return { initialisedByTests: false, holders: [] };
  }
}

async function swarmState(): Promise<string> {
  const { stdout } = await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}']);
  return stdout.trim();
}

/**
 * Joins (initialising when needed) the single-node test swarm. Call {@link leaveTestSwarm} at
 * the end. `whileNoSwarm` runs first, under the lock, when the engine is not in a swarm yet:
 * the one moment a test can see how the scheduler treats a plain engine.
 */
export async function joinTestSwarm(whileNoSwarm?: () => Promise<void>): Promise<void> {
  await withLock(async () => {
    const state = readState();
    if ((await swarmState()) !== 'active') {
      await whileNoSwarm?.();
      await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
      state.initialisedByTests = true;
    }
    state.holders = [...state.holders.filter((p) => p !== process.pid), process.pid];
    writeFileSync(STATE_FILE, JSON.stringify(state));
  });
}

/** Drops this process's hold; the last holder leaves a swarm that a test initialised. */
export async function leaveTestSwarm(): Promise<void> {
  await withLock(async () => {
    const state = readState();
    state.holders = state.holders.filter((p) => p !== process.pid);
    if (state.holders.length === 0 && state.initialisedByTests) {
      await run('docker', ['swarm', 'leave', '--force']).catch(() => undefined);
      await run('docker', ['network', 'rm', 'docker_gwbridge']).catch(() => undefined); // absent unless an overlay was used
      state.initialisedByTests = false;
    }
    writeFileSync(STATE_FILE, JSON.stringify(state));
  });
}

/** Removes every service and secret carrying `gofer.test=<value>`. */
export async function removeLabelled(value: string): Promise<void> {
  const filter = `label=gofer.test=${value}`;
  const services = (await run('docker', ['service', 'ls', '-q', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (services.length > 0) await run('docker', ['service', 'rm', ...services]).catch(() => undefined);
  const secrets = (await run('docker', ['secret', 'ls', '-q', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (secrets.length > 0) await run('docker', ['secret', 'rm', ...secrets]).catch(() => undefined);
}
