/**
 * What differs between the nodes of the two-node test cluster (the main engine as manager, a
 * second dockerd in a network namespace as worker; see scripts/swarm-nodes.sh): placement by
 * settings, by rules on the task's labels and by node labels; a task on the worker read through
 * the swarm alone and through the worker's engine; a Docker secret and a registry pull on the
 * worker; and what a stop of a task on the worker does when Gofer cannot reach its engine.
 * Also task outputs (the wrapper's stdout trailer, read on either node and by a new instance) and
 * run workspaces (a volume, shared on one node; on two, the run's tasks follow its first task):
 * here, so the cluster is brought up once for them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LogChunk, PluginStateStore, StartContainerRequest } from '@gofer/core/api';
import { isGoferError } from '@gofer/core/api';
import { engineClient } from '@gofer/docker-common';
import { dockerAvailable, REGISTRY_AUTH, REGISTRY_IMAGE, TEST_IMAGE } from '../../../test/helpers/docker.js';
import { resolveSettings, SwarmScheduler, type SwarmSettings } from '../src/index.js';
import {
  clusterNodeEngines,
  figure,
  joinTestSwarm,
  leaveTestSwarm,
  pushTestImage,
  removeLabelled,
  removeTestImage,
  removeWorkspaceVolumes,
  requireTestCluster,
  testCluster,
} from './swarm-helper.js';

const exec = promisify(execFile);
const RUN = `cl${process.pid}${Date.now().toString(36)}`;
const SECRET = `gofer-test-${RUN}`;
const SECRET_VALUE = 'worker secret';
const ready = await dockerAvailable();
const { docker } = engineClient({});
let joined = false;
const pushedImages: string[] = [];
const made: SwarmScheduler[] = [];

function scheduler(settings: Partial<SwarmSettings> = {}, store?: PluginStateStore): SwarmScheduler {
  const resolved = resolveSettings({ stopGracePeriodMs: 1000, pollIntervalMs: 100, ...settings });
  const s = new SwarmScheduler(resolved, engineClient(resolved), undefined, store);
  made.push(s);
  return s;
}

function memoryStore(): PluginStateStore {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key),
    set: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

function request(name: string, command: string[], more: Partial<StartContainerRequest> = {}): StartContainerRequest {
  return {
    id: `${RUN}_${name}`,
    image: REGISTRY_IMAGE,
    registryAuth: REGISTRY_AUTH,
    variables: {},
    secrets: {},
    labels: { 'gofer.test': RUN, 'gofer.task': name },
    command,
    ...more,
  };
}

async function readAll(s: SwarmScheduler, schedulerId: string): Promise<{ stdout: string; stderr: string }> {
  const chunks: LogChunk[] = [];
  for await (const chunk of await s.getLogs({ schedulerId })) chunks.push(chunk);
  const text = (stream: LogChunk['stream']) => Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString();
  return { stdout: text('stdout'), stderr: text('stderr') };
}

/** Reads a live log until `marker` appeared on stdout, then lets go of it. */
async function waitForOutput(s: SwarmScheduler, schedulerId: string, marker: string): Promise<void> {
  let seen = '';
  for await (const chunk of await s.getLogs({ schedulerId })) {
    seen += Buffer.from(chunk.data).toString();
    if (seen.includes(marker)) return;
  }
  throw new Error(`${schedulerId} ended before printing ${marker} (got ${JSON.stringify(seen)})`);
}

/** The test cluster's name (n1, n2) of the node that ran the service's task. */
async function nodeOf(schedulerId: string): Promise<string> {
  const tasks = await docker.listTasks({ filters: { service: [schedulerId] } });
  const nodeId = (tasks[0] as { NodeID?: string } | undefined)?.NodeID;
  const cluster = testCluster();
  return [cluster?.manager, ...(cluster?.workers ?? [])].find((n) => n?.nodeId === nodeId)?.name ?? `unknown node ${nodeId}`;
}

test.before(async () => {
  if (!ready) return;
  await joinTestSwarm();
  joined = true;
  requireTestCluster();
  await docker.createSecret({ Name: SECRET, Labels: { 'gofer.test': RUN }, Data: Buffer.from(SECRET_VALUE).toString('base64') });
});

test.after(async () => {
  if (!joined) return;
  await Promise.all(made.map((s) => s.close()));
  await removeLabelled(RUN);
  await removeWorkspaceVolumes(RUN);
  await Promise.all(pushedImages.map(removeTestImage));
  await leaveTestSwarm();
});

test('spread: tasks started together without constraints run on every node, each read from the node that ran it', async () => {
  if (!ready) return;
  const cluster = requireTestCluster();
  const s = scheduler({ nodeEngines: clusterNodeEngines() });
  const count = 8;
  // Each task still runs while the next is placed: the swarm puts a task on the node with the fewest.
  const started = await Promise.all(
    Array.from({ length: count }, (_, i) => s.startContainer(request(`spread-${i}`, ['sh', '-c', `echo task-${i}; sleep 2; exit ${i}`]))),
  );
  const perNode: Record<string, number> = Object.fromEntries([cluster.manager, ...cluster.workers].map((n) => [n.name, 0]));
  for (const [i, ref] of started.entries()) {
    assert.equal(await readAll(s, ref.schedulerId), { stdout: `task-${i}\n`, stderr: '' });
    assert.equal(await s.getState(ref), { state: 'exited', exitCode: i });
    const node = await nodeOf(ref.schedulerId);
    perNode[node] = (perNode[node] ?? 0) + 1;
  }
  figure(
    `swarm spread of ${count} tasks started together: ${Object.entries(perNode)
      .map(([node, n]) => `${node}=${n}`)
      .join(', ')}`,
  );
  for (const [node, n] of Object.entries(perNode)) assert.ok(n > 0, `no task ran on ${node}: ${JSON.stringify(perNode)}`);
});

test('placement: rules on the task labels and node labels put each task on its node; exit codes and logs come from either node, through the swarm or the engine', async () => {
  if (!ready) return;
  const { worker, manager } = requireTestCluster();
  const placement = [
    { labels: { 'gofer.test': RUN, 'gofer.task': 'to-worker' }, constraints: [`node.labels.gofer.node==${worker.name}`] },
    { labels: { 'gofer.test': RUN, 'gofer.task': 'to-manager' }, constraints: [`node.labels.gofer.node==${manager.name}`] },
  ];
  const viaSwarm = scheduler({ placement, nodeEngines: {} });
  const direct = scheduler({ placement, nodeEngines: clusterNodeEngines() });
  const [onWorker, onManager] = await Promise.all([
    viaSwarm.startContainer(request('to-worker', ['sh', '-c', 'echo out-worker; echo err-worker >&2; exit 3'])),
    viaSwarm.startContainer(request('to-manager', ['sh', '-c', 'echo out-manager; echo err-manager >&2; exit 4'])),
  ]);
  assert.is(await nodeOf(onWorker.schedulerId), worker.name);
  assert.is(await nodeOf(onManager.schedulerId), manager.name);
  for (const s of [viaSwarm, direct]) {
    assert.equal(await readAll(s, onWorker.schedulerId), { stdout: 'out-worker\n', stderr: 'err-worker\n' });
    assert.equal(await readAll(s, onManager.schedulerId), { stdout: 'out-manager\n', stderr: 'err-manager\n' });
    assert.equal(await s.getState(onWorker), { state: 'exited', exitCode: 3 });
    assert.equal(await s.getState(onManager), { state: 'exited', exitCode: 4 });
  }
  const inspected = (await docker.getService(onWorker.schedulerId).inspect()) as { Spec: { TaskTemplate: { Placement: { Constraints: string[] } } } };
  assert.equal(inspected.Spec.TaskTemplate.Placement.Constraints, [`node.labels.gofer.node==${worker.name}`]);
});

test("on the worker: a Docker secret arrives; a tag only the registry has is pulled there with the task's credentials, and refused without", async () => {
  if (!ready) return;
  const { worker } = requireTestCluster();
  const onWorker = [`node.labels.gofer.node==${worker.name}`];
  const tag = '127.0.0.1:5000/gofer-test/swarm-worker-pull:latest'; // a fixed tag: the registry does not grow
  await pushTestImage(tag, { tag: TEST_IMAGE }, REGISTRY_AUTH);
  pushedImages.push(tag);
  // Without credentials (and without the manager asking the registry first, or reading the
  // image's entrypoint for the outputs wrapper) the worker's pull is refused; the node then
  // reports only that it has no such image.
  const blind = scheduler({ constraints: onWorker, resolveImage: 'never', outputs: false });
  const refused = await blind.startContainer(request('pull-refused', ['true'], { image: tag, registryAuth: undefined })).catch((err: unknown) => err);
  assert.ok(isGoferError(refused, 'ERR_NO_SUCH_IMAGE'), String(refused));
  assert.match((refused as Error).message, 'Every node must be able to pull it from its registry');

  const s = scheduler({ constraints: onWorker });
  const [secret, pulled] = await Promise.all([
    s.startContainer(request('secret', ['sh', '-c', 'printf "[%s]" "$TOKEN"'], { secrets: { TOKEN: SECRET } })),
    s.startContainer(request('pull', ['echo', 'pulled on the worker'], { image: tag })),
  ]);
  assert.is(await nodeOf(secret.schedulerId), worker.name);
  assert.is(await nodeOf(pulled.schedulerId), worker.name);
  assert.is((await readAll(s, secret.schedulerId)).stdout, `[${SECRET_VALUE}]`);
  assert.is((await readAll(s, pulled.schedulerId)).stdout, 'pulled on the worker\n');
  assert.equal(await s.getState(pulled), { state: 'exited', exitCode: 0 });
});

test("a stop on the worker: through the swarm it waits the grace period fixed at creation, not the request's timeout, and its final state survives in the state store; through the worker's engine it honours the timeout and keeps the logs", async () => {
  if (!ready) return;
  const { worker } = requireTestCluster();
  const constraints = [`node.labels.gofer.node==${worker.name}`];
  const store = memoryStore();
  const graceMs = 2000;
  const viaSwarm = scheduler({ constraints, nodeEngines: {}, stopGracePeriodMs: graceMs }, store);
  const direct = scheduler({ constraints, nodeEngines: clusterNodeEngines(), stopGracePeriodMs: graceMs });
  const stubborn = ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done'];
  const [a, b] = await Promise.all([viaSwarm.startContainer(request('stop-swarm', stubborn)), direct.startContainer(request('stop-direct', stubborn))]);
  assert.is(await nodeOf(a.schedulerId), worker.name);
  assert.is(await nodeOf(b.schedulerId), worker.name);
  await Promise.all([waitForOutput(viaSwarm, a.schedulerId, 'ready'), waitForOutput(direct, b.schedulerId, 'ready')]);

  const timed = async (stop: Promise<void>) => {
    const started = performance.now();
    await stop;
    return Math.round(performance.now() - started);
  };
  const [swarmMs, directMs] = await Promise.all([
    timed(viaSwarm.stopContainer({ schedulerId: a.schedulerId, timeoutMs: 100 })),
    timed(direct.stopContainer({ schedulerId: b.schedulerId, timeoutMs: 100 })),
  ]);
  figure(
    `stop of a TERM-ignoring task on the worker with timeoutMs 100: through the swarm ${swarmMs} ms (grace fixed at creation ${graceMs} ms), through the worker's engine ${directMs} ms`,
  );

  assert.equal(await viaSwarm.getState(a), { state: 'cancelled', exitCode: 137 });
  // The swarm drops the stopped task (its desired state is `remove`) shortly after it ended.
  const deadline = Date.now() + 30_000;
  while ((await docker.listTasks({ filters: { service: [a.schedulerId] } })).length > 0) {
    if (Date.now() > deadline) throw new Error(`the swarm kept the stopped task of ${a.schedulerId} for 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(
    await scheduler({ constraints, nodeEngines: {} }, store).getState(a),
    { state: 'cancelled', exitCode: 137 },
    'a new instance reads the state store',
  );
  assert.equal(await scheduler({ constraints, nodeEngines: {} }).getState(a), { state: 'cancelled' }, 'without the store: the stopped label alone');

  assert.equal(await direct.getState(b), { state: 'cancelled', exitCode: 137 });
  assert.is((await readAll(direct, b.schedulerId)).stdout, 'ready\n', "through the worker's engine the logs stay");
  await viaSwarm.removeContainer(a);
  assert.is(await store.get(`ended/${a.schedulerId}`), undefined, 'removing forgets the kept state');
});

/** A value with several lines, marker look-alikes and bytes that are not UTF-8, as printf escapes. */
const OUTPUT_VALUE = Buffer.concat([
  Buffer.from('A=1\nNOTES<<END\nline one\nline two\nEND\nFAKE=GOFER-OUTPUT-END 0123abcd\nGOFER-OUTPUT-BEGIN x base64 1\n'),
  Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a]),
]);
const OUTPUT_PRINTF = [...OUTPUT_VALUE].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');

test('outputs: written on either node, read back whole (through the swarm and by a new instance), hidden from the logs; exit codes stay', async () => {
  if (!ready) return;
  const { worker, manager } = requireTestCluster();
  const placement = [
    { labels: { 'gofer.test': RUN, 'gofer.task': 'out-worker' }, constraints: [`node.labels.gofer.node==${worker.name}`] },
    { labels: { 'gofer.test': RUN, 'gofer.task': 'out-manager' }, constraints: [`node.labels.gofer.node==${manager.name}`] },
  ];
  const s = scheduler({ placement }); // no nodeEngines: the worker's task is read through the swarm
  const writer = `echo "own line"; printf '${OUTPUT_PRINTF}' > "$GOFER_OUTPUT"; printf 'no newline at the end'; exit 3`;
  const [onWorker, onManager, silent] = await Promise.all([
    s.startContainer(request('out-worker', ['sh', '-c', writer])),
    s.startContainer(request('out-manager', ['sh', '-c', writer])),
    s.startContainer(request('out-none', ['sh', '-c', 'echo "[$GOFER_OUTPUT]"'])),
  ]);
  assert.is(await nodeOf(onWorker.schedulerId), worker.name);
  assert.is(await nodeOf(onManager.schedulerId), manager.name);
  for (const ref of [onWorker, onManager]) {
    assert.equal(await readAll(s, ref.schedulerId), { stdout: 'own line\nno newline at the end', stderr: '' }, 'the trailer is not in the logs');
    assert.equal(await s.getState(ref), { state: 'exited', exitCode: 3 });
    assert.equal(Buffer.from((await s.readOutputs({ ...ref, maxBytes: 1024 }))!), OUTPUT_VALUE);
    assert.equal(Buffer.from((await scheduler().readOutputs({ ...ref, maxBytes: 1024 }))!), OUTPUT_VALUE, 'a new instance reads them');
    assert.is((await s.readOutputs({ ...ref, maxBytes: 3 }))?.length, 4, 'at most maxBytes + 1');
  }
  assert.is((await readAll(s, silent.schedulerId)).stdout, '[/run/gofer/output]\n');
  assert.is(await s.readOutputs({ ...silent, maxBytes: 1024 }), undefined, 'nothing written: undefined');
  const missing = await s.readOutputs({ schedulerId: `gofer-${RUN}-missing`, maxBytes: 1 }).catch((err: unknown) => err);
  assert.ok(isGoferError(missing, 'ERR_NO_SUCH_CONTAINER'), String(missing));
});

test('outputs: a task trapping TERM gets it on stop and what its trap writes is read; outputs: false leaves no GOFER_OUTPUT', async () => {
  if (!ready) return;
  const s = scheduler({ nodeEngines: clusterNodeEngines() });
  const trapping = await s.startContainer(
    request('out-term', ['sh', '-c', 'trap \'echo got-term; echo STOPPED=yes >> "$GOFER_OUTPUT"; exit 7\' TERM; echo ready; while :; do sleep 0.05; done']),
  );
  await waitForOutput(s, trapping.schedulerId, 'ready');
  await s.stopContainer({ schedulerId: trapping.schedulerId, timeoutMs: 20_000 });
  assert.equal(await s.getState(trapping), { state: 'cancelled', exitCode: 7 });
  assert.is((await readAll(s, trapping.schedulerId)).stdout, 'ready\ngot-term\n');
  assert.is(Buffer.from((await s.readOutputs({ ...trapping, maxBytes: 100 }))!).toString(), 'STOPPED=yes\n');

  const plain = scheduler({ outputs: false });
  const bare = await plain.startContainer(request('out-off', ['sh', '-c', 'echo "${GOFER_OUTPUT-unset}"; exit 4']));
  assert.is((await readAll(plain, bare.schedulerId)).stdout, 'unset\n');
  assert.equal(await plain.getState(bare), { state: 'exited', exitCode: 4 });
  assert.is(await plain.readOutputs({ ...bare, maxBytes: 100 }), undefined);
  const spec = (await docker.getService(bare.schedulerId).inspect()) as {
    Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Command?: string[] } } };
  };
  assert.is(spec.Spec.Labels['gofer.output-nonce'], undefined);
  assert.equal(spec.Spec.TaskTemplate.ContainerSpec.Command, undefined, 'no wrapper');
});

/** Whether the engine (the manager's, or a worker's socket) has the volume. */
async function hasVolume(name: string, socket?: string): Promise<boolean> {
  const host = socket ? ['-H', `unix://${socket}`] : [];
  return exec('docker', [...host, 'volume', 'inspect', name]).then(
    () => true,
    () => false,
  );
}

test('workspace on one node: two tasks of a run share /workspace ($GOFER_WORKSPACE); removeWorkspace removes the volume, and again is fine', async () => {
  if (!ready) return;
  const s = scheduler({ constraints: ['node.role==manager'] });
  const workspace = { id: `${RUN}_one` };
  const first = await s.startContainer(request('ws-first', ['sh', '-c', 'echo "from the first task" > "$GOFER_WORKSPACE/note"'], { workspace }));
  assert.equal(await readAll(s, first.schedulerId), { stdout: '', stderr: '' });
  assert.equal(await s.getState(first), { state: 'exited', exitCode: 0 });
  await s.removeContainer(first); // as the core does before the next task
  const second = await s.startContainer(request('ws-second', ['sh', '-c', 'echo "$GOFER_WORKSPACE"; cat /workspace/note'], { workspace }));
  assert.is((await readAll(s, second.schedulerId)).stdout, '/workspace\nfrom the first task\n');
  await s.removeContainer(second);
  const volume = `gofer-workspace-${workspace.id}`;
  const { stdout } = await exec('docker', ['volume', 'inspect', '--format', '{{json .Labels}}', volume]);
  assert.equal(JSON.parse(stdout), { 'gofer.managed': 'true', 'gofer.workspace': workspace.id });
  await s.removeWorkspace(workspace);
  assert.is(await hasVolume(volume), false);
  await s.removeWorkspace(workspace);
  await scheduler().removeWorkspace({ id: `${RUN}_never-made` });
});

test("workspace on two nodes: a run's tasks started together all follow its first task's node and share its files; a new instance pins to it too; a first task on the worker takes the next one there, and the volume is removed there", async () => {
  if (!ready) return;
  const { worker, manager } = requireTestCluster();
  const s = scheduler({ nodeEngines: clusterNodeEngines() });
  const workspace = { id: `${RUN}_two` };
  // Started together, tasks without a workspace spread over both nodes (the spread test): these do not.
  const writers = await Promise.all(
    Array.from({ length: 4 }, (_, i) => s.startContainer(request(`ws-w${i}`, ['sh', '-c', `echo ${i} > /workspace/part-${i}; sleep 2`], { workspace }))),
  );
  const nodes = new Set(await Promise.all(writers.map((w) => nodeOf(w.schedulerId))));
  figure(`workspace tasks started together on the two-node swarm: all on ${[...nodes].join(', ')}`);
  assert.is(nodes.size, 1, `one node: ${[...nodes].join(', ')}`);
  for (const w of writers) {
    await readAll(s, w.schedulerId); // ends with the task
    assert.equal(await s.getState(w), { state: 'exited', exitCode: 0 });
  }
  const fresh = scheduler({ nodeEngines: clusterNodeEngines() }); // no state store: the services' tasks say where
  const reader = await fresh.startContainer(
    request('ws-reader', ['sh', '-c', 'cat /workspace/part-0 /workspace/part-1 /workspace/part-2 /workspace/part-3'], { workspace }),
  );
  const [node] = nodes;
  assert.is(await nodeOf(reader.schedulerId), node!);
  assert.is((await readAll(fresh, reader.schedulerId)).stdout, '0\n1\n2\n3\n');
  for (const ref of [...writers, reader]) await s.removeContainer(ref);
  const socket = node === worker.name ? worker.socket : undefined;
  const volume = `gofer-workspace-${workspace.id}`;
  assert.ok(await hasVolume(volume, socket), `the volume is on ${node}`);
  await s.removeWorkspace(workspace);
  assert.is(await hasVolume(volume, socket), false, `removed on ${node ?? manager.name} (its engine is in nodeEngines)`);

  // A first task the placement rules send to the worker: the next one, without a rule, follows it.
  const placement = [{ labels: { 'gofer.test': RUN, 'gofer.task': 'ws-on-worker' }, constraints: [`node.labels.gofer.node==${worker.name}`] }];
  const placed = scheduler({ placement, nodeEngines: clusterNodeEngines() });
  const onWorker = { id: `${RUN}_worker` };
  const first = await placed.startContainer(request('ws-on-worker', ['sh', '-c', 'echo written on the worker > /workspace/note'], { workspace: onWorker }));
  await readAll(placed, first.schedulerId);
  await placed.removeContainer(first);
  const follower = await placed.startContainer(request('ws-follower', ['cat', '/workspace/note'], { workspace: onWorker }));
  assert.is(await nodeOf(follower.schedulerId), worker.name);
  assert.is((await readAll(placed, follower.schedulerId)).stdout, 'written on the worker\n');
  await placed.removeContainer(follower);
  await placed.removeWorkspace(onWorker);
  assert.is(await hasVolume(`gofer-workspace-${onWorker.id}`, worker.socket), false, 'removed on the worker through its engine');
});

test.run();
