/**
 * A single-node swarm for tests. Swarm mode is engine-wide, and two swarm test files may run at
 * the same time, so joining is reference-counted in a state file under a lock directory: the
 * first holder initialises the swarm (only when the engine is not already in one), the last
 * holder leaves it (only when a test initialised it). A swarm that existed before is never left.
 * Plain containers of other tests are not disturbed by swarm mode.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';

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

/** How a test image is made: a tag of an existing local image, or a rootfs of busybox alone. */
export type TestImageSource = { tag: string } | { busybox: { withShell: boolean; changes: string[] } };

/**
 * Makes an image, pushes it to the loopback registry as `ref` (with `auth`) and removes the local
 * tag, so that a swarm node has to pull it. Remove it afterwards with `docker rmi -f ref`.
 */
export async function pushTestImage(ref: string, source: TestImageSource, auth: { user: string; pass: string }): Promise<void> {
  if ('tag' in source) {
    await run('docker', ['tag', source.tag, ref]);
  } else {
    const root = mkdtempSync(join(tmpdir(), 'gofer-swarm-image-'));
    try {
      mkdirSync(join(root, 'bin'));
      copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
      chmodSync(join(root, 'bin'), 0o755);
      chmodSync(join(root, 'bin', 'busybox'), 0o755);
      if (source.busybox.withShell) symlinkSync('busybox', join(root, 'bin', 'sh'));
      const changes = source.busybox.changes.flatMap((c) => ['--change', c]);
      // A reproducible archive: the same layer every run, so the registry does not grow.
      await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', `${root}.tar`, '.']);
      await run('docker', ['import', ...changes, `${root}.tar`, ref]);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(`${root}.tar`, { force: true });
    }
  }
  const docker = new Docker();
  const stream = await docker.getImage(ref).push({ authconfig: { username: auth.user, password: auth.pass, serveraddress: ref.slice(0, ref.indexOf('/')) } });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  await run('docker', ['rmi', ref]);
}

/**
 * Removes a test image's tag and every `repo@digest` reference a swarm pull left for it. The
 * engine refuses while a task container still uses the image (swarm removes those shortly after
 * their service), so this retries for a while; call it after the services are removed.
 */
export async function removeTestImage(ref: string): Promise<void> {
  const repo = ref.slice(0, ref.lastIndexOf(':'));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { stdout } = await run('docker', ['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}', repo]);
    const refs = stdout.split(/\s+/).filter((r) => r === ref || r.startsWith(`${repo}@sha256:`));
    if (refs.length === 0) return;
    const failed = await run('docker', ['rmi', ...new Set(refs)]).then(() => false, () => true);
    if (!failed) return;
    if (Date.now() > deadline) throw new Error(`could not remove test image ${ref} (still in use?)`);
    await sleep(250);
  }
}
