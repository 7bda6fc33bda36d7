/**
 * The test swarm: two real engines on this machine, made by `scripts/swarm-nodes.sh up 2` (the
 * main engine is the manager, a second dockerd in a network namespace the worker). Swarm mode is
 * engine-wide, and two swarm test files may run at the same time, so joining is
 * reference-counted in a state file under a lock directory: the first holder brings the cluster
 * up (only when the engine is not already in a swarm), the last holder takes it down (only when
 * a test brought it up). A swarm that existed before is used as it is and never left.
 * Plain containers of other tests are not disturbed by swarm mode.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';

const run = promisify(execFile);
const LOCK_DIR = '/tmp/gofer-swarm-test.lock';
const STATE_FILE = '/tmp/gofer-swarm-test.json';
const SWARM_NODES = fileURLToPath(new URL('../../../scripts/swarm-nodes.sh', import.meta.url));
const CLUSTER_STATE = process.env.GOFER_SWARM_STATE ?? '/tmp/gofer-swarm';

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
      try {
        owner = Number(readFileSync(`${LOCK_DIR}/pid`, 'utf8'));
      } catch {
        /* being written */
      }
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

/** Prints a check's summary line; the test runner echoes `figure:` lines into the CI log (uvu's progress dots precede it: hence the newline). */
export function figure(text: string): void {
  console.log(`\nfigure: ${text}`);
}

/** Runs scripts/swarm-nodes.sh; its output is shown only when it fails. */
export async function swarmNodes(...args: string[]): Promise<void> {
  try {
    await run('bash', [SWARM_NODES, ...args], { timeout: 180_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/swarm-nodes.sh ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * Joins (bringing up when needed) the two-node test swarm. Call {@link leaveTestSwarm} at the
 * end. `whileNoSwarm` runs first, under the lock, when the engine is not in a swarm yet: the
 * one moment a test can see how the scheduler treats a plain engine.
 */
export async function joinTestSwarm(whileNoSwarm?: () => Promise<void>): Promise<void> {
  await withLock(async () => {
    const state = readState();
    if ((await swarmState()) !== 'active') {
      await whileNoSwarm?.();
      state.initialisedByTests = true;
      writeFileSync(STATE_FILE, JSON.stringify(state));
      await swarmNodes('up', '2');
    } else if (state.initialisedByTests) {
      await swarmNodes('up', '2'); // repairs a node a fault test left behind
    }
    state.holders = [...state.holders.filter((p) => p !== process.pid), process.pid];
    writeFileSync(STATE_FILE, JSON.stringify(state));
  });
}

/** Drops this process's hold; the last holder takes down a cluster that a test brought up. */
export async function leaveTestSwarm(): Promise<void> {
  await withLock(async () => {
    const state = readState();
    state.holders = state.holders.filter((p) => p !== process.pid);
    if (state.holders.length === 0 && state.initialisedByTests) {
      await swarmNodes('down');
      state.initialisedByTests = false;
    }
    writeFileSync(STATE_FILE, JSON.stringify(state));
  });
}

/** One node of the test cluster, as `scripts/swarm-nodes.sh` wrote it to nodes.json. */
export interface ClusterNode {
  /** `n1` (the manager), `n2`, ...: also the node's `gofer.node` label. */
  name: string;
  nodeId: string;
  /** Its address on the veth link. */
  address: string;
  /** Its engine's Unix socket. */
  socket: string;
}

/** The cluster `scripts/swarm-nodes.sh` made, or undefined when the swarm is someone else's. */
export function testCluster(): { manager: ClusterNode; workers: ClusterNode[] } | undefined {
  const file = join(CLUSTER_STATE, 'nodes.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as { manager: ClusterNode; workers: ClusterNode[] };
}

/** The test cluster, failing with what to do when it is not there (a swarm someone else made). */
export function requireTestCluster(): { manager: ClusterNode; workers: ClusterNode[]; worker: ClusterNode } {
  const cluster = testCluster();
  const worker = cluster?.workers[0];
  if (!cluster || !worker)
    throw new Error(
      'These tests need the two-node test cluster, but the engine is in a swarm scripts/swarm-nodes.sh did not make: leave it (docker swarm leave --force).',
    );
  return { ...cluster, worker };
}

/** The `nodeEngines` setting that lets the scheduler reach every worker of the test cluster. */
export function clusterNodeEngines(): Record<string, string> {
  return Object.fromEntries((testCluster()?.workers ?? []).map((w) => [w.nodeId, `unix://${w.socket}`]));
}

/**
 * Counts the task containers that start on each node of the test cluster (the engines' own
 * `start` events, filtered by a label every task carries) until `stop` is called. An event
 * stream that ends or fails (an engine busy on a loaded machine, a dropped socket) is opened
 * again from where it stopped, and a container counts once however often its start is read.
 */
export async function countStartsPerNode(label: string): Promise<{ stop(): Record<string, number> }> {
  const cluster = requireTestCluster();
  const started = new Map<string, Set<string>>();
  const streams = new Set<NodeJS.ReadableStream & { destroy?: () => void }>();
  let stopped = false;
  const follow = async (node: ClusterNode, since?: number): Promise<void> => {
    const ids = started.get(node.name)!;
    const docker = new Docker({ socketPath: node.socket });
    let last = since ?? Math.floor(Date.now() / 1000);
    const stream = (await docker.getEvents({
      ...(since !== undefined ? { since } : {}),
      filters: { type: ['container'], event: ['start'], label: [label] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    streams.add(stream);
    let buffered = '';
    stream.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim())) {
        const event = JSON.parse(line) as { id?: string; time?: number };
        if (event.id) ids.add(event.id);
        if (event.time) last = event.time;
      }
    });
    let reopened = false;
    const reopen = () => {
      streams.delete(stream);
      if (reopened) return;
      reopened = true;
      followLater(node, last);
    };
    stream.on('error', reopen);
    stream.on('end', reopen);
    stream.on('close', reopen);
  };
  // Until stopped, a stream that could not be opened again is tried again.
  const followLater = (node: ClusterNode, since: number): void => {
    if (stopped) return;
    setTimeout(() => void follow(node, since).catch(() => followLater(node, since)), 500);
  };
  for (const node of [cluster.manager, ...cluster.workers]) {
    started.set(node.name, new Set());
    await follow(node);
  }
  return {
    stop: () => {
      stopped = true;
      for (const s of streams) s.destroy?.();
      return Object.fromEntries([...started].map(([name, ids]) => [name, ids.size]));
    },
  };
}

/** `docker node ls` as one line per node (status, availability, name), for failure messages. */
export async function nodeStates(): Promise<string> {
  const { stdout } = await run('docker', ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}']).catch(() => ({
    stdout: 'docker node ls failed',
  }));
  return stdout.trim().split('\n').join('; ');
}

/** Removes every service and secret carrying `gofer.test=<value>`. */
export async function removeLabelled(value: string): Promise<void> {
  const filter = `label=gofer.test=${value}`;
  const services = (await run('docker', ['service', 'ls', '-q', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (services.length > 0) await run('docker', ['service', 'rm', ...services]).catch(() => undefined);
  const secrets = (await run('docker', ['secret', 'ls', '-q', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (secrets.length > 0) await run('docker', ['secret', 'rm', ...secrets]).catch(() => undefined);
}

/**
 * Removes the workspace volumes whose names start with `gofer-workspace-<prefix>` on every engine
 * of the test cluster. Swarm removes a removed service's containers a moment later, so a volume
 * still in use is tried again for a while.
 */
export async function removeWorkspaceVolumes(prefix: string): Promise<void> {
  const cluster = testCluster();
  const engines = [[], ...(cluster?.workers ?? []).map((w) => ['-H', `unix://${w.socket}`])];
  for (const engine of engines) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const listed = await run('docker', [...engine, 'volume', 'ls', '-q', '--filter', 'label=gofer.workspace']).catch(() => ({ stdout: '' }));
      const names = listed.stdout.split('\n').filter((n) => n.startsWith(`gofer-workspace-${prefix}`));
      if (names.length === 0) break;
      await run('docker', [...engine, 'volume', 'rm', ...names]).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`could not remove the test volumes ${names.join(', ')}`);
      await sleep(250);
    }
  }
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
    const failed = await run('docker', ['rmi', ...new Set(refs)]).then(
      () => false,
      () => true,
    );
    if (!failed) return;
    if (Date.now() > deadline) throw new Error(`could not remove test image ${ref} (still in use?)`);
    await sleep(250);
  }
}
