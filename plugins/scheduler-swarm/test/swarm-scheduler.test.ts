/**
 * The swarm scheduler against the real two-node test cluster (brought up here when the engine is
 * not in a swarm, and taken down again). The scheduler reaches the worker's engine
 * (`nodeEngines`), so wherever the swarm places a task it is stopped and read the same way;
 * swarm-cluster.test.ts covers what differs between the nodes. Every service and secret carries
 * `gofer.test=<RUN>` and is removed. Checks that do not depend on each other run in parallel: a
 * service takes ~0.7 s.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogChunk, Scheduler, StartContainerRequest } from '@gofer/core/api';
import { isGoferError } from '@gofer/core/api';
import { dockerAvailable, REGISTRY_AUTH, REGISTRY_IMAGE, TEST_IMAGE } from '../../../test/helpers/docker.js';
import { engineClient } from '@gofer/docker-common';
import { resolveSettings, SwarmScheduler, type SwarmSettings } from '../src/index.js';
import { clusterNodeEngines, joinTestSwarm, leaveTestSwarm, pushTestImage, removeLabelled, removeTestImage } from './swarm-helper.js';

const run = promisify(execFile);
const RUN = `sw${process.pid}${Date.now().toString(36)}`;
const SECRET = `gofer-test-${RUN}`;
const SECRET_VALUE = `s3cr3t 'quoted' "dq" $HOME \\ end`;
const ready = await dockerAvailable();
let joined = false;
/** Images pushed for a test: removed once the services that ran them are gone. */
const pushedImages: string[] = [];
/** What the scheduler said on an engine that was not in a swarm (when this file found one). */
let plainEngineError: unknown;

function scheduler(settings: Partial<SwarmSettings> = {}): SwarmScheduler {
  const resolved = resolveSettings({ stopGracePeriodMs: 1000, pollIntervalMs: 100, nodeEngines: clusterNodeEngines(), ...settings });
  return new SwarmScheduler(resolved, engineClient(resolved));
}
/** Made once the cluster is up (its worker engines are in the settings). */
let swarm: SwarmScheduler;

function request(name: string, command: string[] | undefined, more: Partial<StartContainerRequest> = {}): StartContainerRequest {
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

async function readAll(s: Scheduler, schedulerId: string): Promise<{ stdout: string; stderr: string; chunks: LogChunk[] }> {
  const chunks: LogChunk[] = [];
  for await (const chunk of await s.getLogs({ schedulerId })) chunks.push(chunk);
  const text = (stream: LogChunk['stream']) => Buffer.concat(chunks.filter((c) => c.stream === stream).map((c) => c.data)).toString();
  return { stdout: text('stdout'), stderr: text('stderr'), chunks };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return isGoferError(err) ? err.code : `not a GoferError: ${String(err)}`;
  }
  return 'resolved';
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => String((err as Error).message),
  );
}

test.before(async () => {
  if (!ready) return;
  await joinTestSwarm(async () => {
    plainEngineError = await scheduler()
      .getState({ schedulerId: 'gofer-any' })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
  });
  joined = true;
  swarm = scheduler();
  const { docker } = engineClient({});
  await docker.createSecret({ Name: SECRET, Labels: { 'gofer.test': RUN }, Data: Buffer.from(SECRET_VALUE).toString('base64') });
});

test.after(async () => {
  if (!joined) return;
  await swarm?.close();
  await removeLabelled(RUN);
  await Promise.all(pushedImages.map(removeTestImage));
  await leaveTestSwarm();
});

test('env exactly as given, stdout and stderr, exit codes, logs that end and read again', async () => {
  if (!ready) return;
  const variables = { PLAIN: 'value', SPACED: 'a b  c', QUOTES: `it's "x" $HOME`, EMPTY: '' };
  const [envTask, failing] = await Promise.all([
    swarm.startContainer(request('env', ['sh', '-c', 'env; echo to-stderr >&2'], { variables })),
    swarm.startContainer(request('fail', ['sh', '-c', 'echo bye; exit 3'])),
  ]);
  const logs = await readAll(swarm, envTask.schedulerId);
  for (const [k, v] of Object.entries(variables)) assert.ok(logs.stdout.split('\n').includes(`${k}=${v}`), `${k} in ${logs.stdout}`);
  assert.is(logs.stderr, 'to-stderr\n');
  assert.equal(await swarm.getState(envTask), { state: 'exited', exitCode: 0 });
  const again = await readAll(swarm, envTask.schedulerId);
  assert.is(again.stdout, logs.stdout);
  assert.is(again.stderr, logs.stderr);

  assert.is((await readAll(swarm, failing.schedulerId)).stdout, 'bye\n');
  assert.equal(await swarm.getState(failing), { state: 'exited', exitCode: 3 });
});

test('logs follow a running task live, in order per stream, and end with it: container logs and service logs', async () => {
  if (!ready) return;
  const viaService = scheduler({ logsVia: 'swarm' });
  const script = 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; sleep 0.3; done; seq 1 20000';
  const numbers = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('');
  await Promise.all(
    [swarm, viaService].map(async (s, n) => {
      const task = await s.startContainer(request(`live${n}`, ['sh', '-c', script]));
      assert.is((await s.getState(task)).state, 'running');
      const live = await readAll(s, task.schedulerId);
      assert.is(live.stdout, `out1\nout2\nout3\nout4\nout5\n${numbers}`);
      assert.is(live.stderr, 'err1\nerr2\nerr3\nerr4\nerr5\n');
      assert.equal(await s.getState(task), { state: 'exited', exitCode: 0 });
      const again = await readAll(s, task.schedulerId);
      assert.is(again.stdout, live.stdout);
      assert.is(again.stderr, live.stderr);
    }),
  );
});

test('service logs: a followed task stopped gracefully ends the stream with its last words', async () => {
  if (!ready) return;
  const viaService = scheduler({ logsVia: 'swarm' });
  const { schedulerId } = await viaService.startContainer(
    request('svc-stop', ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done']),
  );
  let seen = '';
  for await (const chunk of await viaService.getLogs({ schedulerId })) {
    seen += Buffer.from(chunk.data).toString();
    if (seen === 'ready\n') await viaService.stopContainer({ schedulerId, timeoutMs: 30_000 });
  }
  assert.is(seen, 'ready\ngot-term\n');
  assert.equal(await viaService.getState({ schedulerId }), { state: 'cancelled', exitCode: 7 });
  assert.is((await readAll(viaService, schedulerId)).stdout, 'ready\ngot-term\n');
});

test('a large output (20 MB) arrives whole from a local task container', async () => {
  if (!ready) return;
  const line = `${'x'.repeat(99)}\n`;
  const { schedulerId } = await swarm.startContainer(request('large', ['sh', '-c', `yes ${'x'.repeat(99)} | head -n 200000; echo end`]));
  let bytes = 0;
  let tail = '';
  for await (const chunk of await swarm.getLogs({ schedulerId })) {
    bytes += chunk.data.byteLength;
    tail = (tail + Buffer.from(chunk.data).toString()).slice(-(line.length + 4));
  }
  assert.is(bytes, 200_000 * line.length + 4);
  assert.is(tail, `${line}end\n`);
});

test('stop through the swarm (tasks on other nodes): scaled to zero, cancelled, state kept', async () => {
  if (!ready) return;
  const viaSwarm = scheduler({ stopVia: 'swarm' });
  const stopWhenReady = async (name: string, script: string) => {
    const { schedulerId } = await viaSwarm.startContainer(request(name, ['sh', '-c', script]));
    let seen = '';
    for await (const chunk of await viaSwarm.getLogs({ schedulerId })) {
      seen += Buffer.from(chunk.data).toString();
      if (seen === 'ready\n') await viaSwarm.stopContainer({ schedulerId, timeoutMs: 200 });
    }
    await viaSwarm.stopContainer({ schedulerId, timeoutMs: 200 }); // stopping again is not an error
    return { seen, status: await viaSwarm.getState({ schedulerId }), fresh: await scheduler().getState({ schedulerId }) };
  };
  const [soft, hard] = await Promise.all([
    stopWhenReady('swarm-soft', 'trap "exit 5" TERM; echo ready; while true; do sleep 0.1; done'),
    stopWhenReady('swarm-hard', 'trap "" TERM; echo ready; while true; do sleep 0.1; done'),
  ]);
  assert.ok(soft.seen.startsWith('ready\n'), soft.seen);
  assert.is(soft.status.state, 'cancelled');
  assert.is(hard.status.state, 'cancelled');
  assert.is(hard.fresh.state, 'cancelled', 'a new instance reads the stopped label');
});

test('close() ends the log streams still being followed', async () => {
  if (!ready) return;
  const closing = scheduler({ logsVia: 'swarm' });
  const { schedulerId } = await closing.startContainer(request('close', ['sh', '-c', 'echo ready; while true; do sleep 0.1; done']));
  let seen = '';
  for await (const chunk of await closing.getLogs({ schedulerId })) {
    seen += Buffer.from(chunk.data).toString();
    if (seen === 'ready\n') await closing.close();
  }
  assert.is(seen, 'ready\n');
  assert.is((await swarm.getState({ schedulerId })).state, 'running', 'closing the scheduler leaves tasks alone');
  await swarm.stopContainer({ schedulerId, timeoutMs: 0 });
  assert.is((await swarm.getState({ schedulerId })).state, 'cancelled');
});

test('unknown scheduler ids fail with ERR_NO_SUCH_CONTAINER (removing one is not an error: the contract suite checks that)', async () => {
  if (!ready) return;
  const schedulerId = `gofer-${RUN}-missing`;
  assert.is(await codeOf(swarm.getState({ schedulerId })), 'ERR_NO_SUCH_CONTAINER');
  assert.is(await codeOf(swarm.getLogs({ schedulerId })), 'ERR_NO_SUCH_CONTAINER');
  assert.is(await codeOf(swarm.stopContainer({ schedulerId, timeoutMs: 100 })), 'ERR_NO_SUCH_CONTAINER');
});

test('Docker secrets arrive as env vars; arguments and entrypoints are kept exactly', async () => {
  if (!ready) return;
  const fileMode = scheduler({ secretDelivery: 'file' });
  const [viaCommand, viaEntrypoint, viaFile] = await Promise.all([
    swarm.startContainer(
      request('secret-cmd', ['sh', '-c', 'printf "[%s]" "$MY_SECRET" "$0" "$1"', 'zero', `one 'two' "$x"`], { secrets: { MY_SECRET: SECRET } }),
    ),
    swarm.startContainer(request('secret-ep', ['printf "<%s>" "$OTHER" "$0"', 'arg'], { entrypoint: ['sh', '-c'], secrets: { OTHER: SECRET } })),
    fileMode.startContainer(
      request('secret-file', ['sh', '-c', 'echo "$MY_SECRET_FILE"; cat "$MY_SECRET_FILE"; echo "${MY_SECRET-unset}"'], { secrets: { MY_SECRET: SECRET } }),
    ),
  ]);
  assert.is((await readAll(swarm, viaCommand.schedulerId)).stdout, `[${SECRET_VALUE}][zero][one 'two' "$x"]`);
  assert.is((await readAll(swarm, viaEntrypoint.schedulerId)).stdout, `<${SECRET_VALUE}><arg>`);
  assert.is((await readAll(fileMode, viaFile.schedulerId)).stdout, `/run/secrets/${SECRET}\n${SECRET_VALUE}unset\n`);
  assert.equal(viaFile.secretEnv, { MY_SECRET_FILE: SECRET }, 'file delivery says which key carries the secret');
  assert.is(viaCommand.secretEnv, undefined, 'env delivery: the secrets keys themselves');
  assert.equal(await swarm.getState(viaCommand), { state: 'exited', exitCode: 0 });

  assert.is(await codeOf(swarm.startContainer(request('secret-missing', ['true'], { secrets: { X: `${SECRET}-nope` } }))), 'ERR_NOT_FOUND');
  assert.is(await codeOf(swarm.startContainer(request('secret-badenv', ['true'], { secrets: { 'BAD-NAME': SECRET } }))), 'ERR_INVALID_ARGUMENT');
});

test('registry auth: right credentials run, wrong or none fail with ERR_REGISTRY_AUTH, a missing image with ERR_NO_SUCH_IMAGE', async () => {
  if (!ready) return;
  const [wrong, none, missing] = await Promise.all([
    codeOf(swarm.startContainer(request('auth-wrong', ['true'], { registryAuth: { user: 'gofer', pass: 'wrong' } }))),
    codeOf(swarm.startContainer(request('auth-none', ['true'], { registryAuth: undefined }))),
    codeOf(swarm.startContainer(request('no-image', ['true'], { image: '127.0.0.1:5000/gofer-test/does-not-exist:latest' }))),
  ]);
  assert.is(wrong, 'ERR_REGISTRY_AUTH');
  assert.is(none, 'ERR_REGISTRY_AUTH');
  assert.is(missing, 'ERR_NO_SUCH_IMAGE');
  assert.match(
    await messageOf(swarm.startContainer(request('auth-wrong2', ['true'], { registryAuth: { user: 'gofer', pass: 'wrong' } }))),
    /refused access to image 127\.0\.0\.1:5000\/gofer-test\/busybox/,
  );

  // A tag the node does not have: the swarm itself must pull it with the credentials passed on.
  const tag = '127.0.0.1:5000/gofer-test/swarm-auth:latest'; // fixed tags: the registry does not grow
  await pushTestImage(tag, { tag: TEST_IMAGE }, REGISTRY_AUTH);
  try {
    const pulled = await swarm.startContainer(request('auth-pull', ['echo', 'pulled'], { image: tag }));
    assert.is((await readAll(swarm, pulled.schedulerId)).stdout, 'pulled\n');
  } finally {
    pushedImages.push(tag);
  }
});

test("secrets and outputs keep the image's own entrypoint and command; no shell, a bad command, no node: clear errors", async () => {
  if (!ready) return;
  const withEntrypoint = '127.0.0.1:5000/gofer-test/swarm-entrypoint:latest';
  const noShell = '127.0.0.1:5000/gofer-test/swarm-noshell:latest';
  await Promise.all([
    pushTestImage(
      withEntrypoint,
      { busybox: { withShell: true, changes: ['ENTRYPOINT ["/bin/busybox", "echo", "ep:"]', 'CMD ["default", "cmd"]'] } },
      REGISTRY_AUTH,
    ),
    pushTestImage(noShell, { busybox: { withShell: false, changes: [] } }, REGISTRY_AUTH),
  ]);
  try {
    const secret = { secrets: { MY_SECRET: SECRET } };
    const unplaceable = scheduler({ startTimeoutMs: 1000, constraints: ['node.labels.gofer-test-nowhere==x'] });
    const [imageCmd, givenCmd, shellless, badCommand, nowhere] = await Promise.all([
      swarm.startContainer(request('ep-default', undefined, { ...secret, image: withEntrypoint })),
      swarm.startContainer(request('ep-given', ['given', 'args'], { ...secret, image: withEntrypoint })),
      messageOf(swarm.startContainer(request('noshell', ['/bin/busybox', 'true'], { ...secret, image: noShell }))),
      codeOf(scheduler({ outputs: false }).startContainer(request('badcmd', ['/no/such/program']))),
      messageOf(unplaceable.startContainer(request('nowhere', ['true']))),
    ]);
    assert.is((await readAll(swarm, imageCmd.schedulerId)).stdout, 'ep: default cmd\n');
    assert.is((await readAll(swarm, givenCmd.schedulerId)).stdout, 'ep: given args\n');
    assert.match(shellless, 'has no /bin/sh');
    assert.match(shellless, '"secretDelivery": "file"');
    assert.is(badCommand, 'ERR_INVALID_ARGUMENT', 'without the wrapper the container cannot start');
    // Under the outputs wrapper the container starts (its shell), and the shell reports the missing program.
    const underWrapper = await swarm.startContainer(request('badcmd-wrapped', ['/no/such/program']));
    assert.match((await readAll(swarm, underWrapper.schedulerId)).stderr, '/no/such/program');
    assert.equal(await swarm.getState(underWrapper), { state: 'exited', exitCode: 127 });
    const plain = scheduler({ outputs: false });
    const [outputsOnly, shelllessOutputs, shelllessPlain] = await Promise.all([
      swarm.startContainer(request('ep-outputs', undefined, { image: withEntrypoint })),
      messageOf(swarm.startContainer(request('noshell-out', ['/bin/busybox', 'true'], { image: noShell }))),
      plain.startContainer(request('noshell-plain', ['/bin/busybox', 'echo', 'plain'], { image: noShell })),
    ]);
    assert.is((await readAll(swarm, outputsOnly.schedulerId)).stdout, 'ep: default cmd\n', "the outputs wrapper keeps the image's entrypoint and command");
    assert.match(shelllessOutputs, '"outputs": false');
    assert.is((await readAll(plain, shelllessPlain.schedulerId)).stdout, 'plain\n', 'outputs: false runs an image without a shell');
    assert.match(nowhere, 'No swarm node took service');
    assert.match(nowhere, 'scheduling constraints not satisfied');
  } finally {
    pushedImages.push(withEntrypoint, noShell);
  }
});

test('labels, placement and resources on the service; a stale same-named service is replaced; orphans listed and removed', async () => {
  if (!ready) return;
  const placed = scheduler({ constraints: ['node.role==manager'], limits: { cpus: 0.5, memoryMb: 64 }, reservations: { memoryMb: 8 } });
  const first = await placed.startContainer(request('stale', ['sleep', '30']));
  const second = await placed.startContainer(request('stale', ['echo', 'second']));
  assert.is(second.schedulerId, first.schedulerId);
  assert.is((await readAll(placed, second.schedulerId)).stdout, 'second\n');

  const { stdout } = await run('docker', ['service', 'inspect', second.schedulerId]);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const [spec] = (JSON.parse(stdout) as Array<{ Spec: { Labels: Record<string, string>; TaskTemplate: Record<string, any> } }>).map((s) => s.Spec);
  assert.is(spec?.Labels['gofer.managed'], 'true');
  assert.is(spec?.Labels['gofer.scheduler'], 'swarm');
  assert.is(spec?.Labels['gofer.task'], 'stale');
  assert.equal(spec?.TaskTemplate.Placement.Constraints, ['node.role==manager']);
  assert.is(spec?.TaskTemplate.Resources.Limits.NanoCPUs, 500_000_000);
  assert.is(spec?.TaskTemplate.Resources.Limits.MemoryBytes, 64 * 1024 * 1024);
  assert.is(spec?.TaskTemplate.RestartPolicy.Condition, 'none');
  assert.is(spec?.TaskTemplate.ContainerSpec.StopGracePeriod, 1e9);

  const listed = await placed.listContainers({ labels: { 'gofer.test': RUN, 'gofer.task': 'stale' } });
  assert.equal(
    listed.map((c) => c.schedulerId),
    [second.schedulerId],
  );
  await placed.removeContainer(second);
  assert.equal(await placed.listContainers({ labels: { 'gofer.test': RUN, 'gofer.task': 'stale' } }), []);
  assert.is(await codeOf(placed.getState(second)), 'ERR_NO_SUCH_CONTAINER');
});

test('an engine that is not in a swarm is ERR_SCHEDULER_UNAVAILABLE saying how to start one', () => {
  if (!ready || plainEngineError === undefined) return; // the engine was already in a swarm
  assert.ok(isGoferError(plainEngineError, 'ERR_SCHEDULER_UNAVAILABLE'), (plainEngineError as Error).message);
  assert.match((plainEngineError as Error).message, 'docker swarm init');
});

test('an unreachable engine is ERR_SCHEDULER_UNAVAILABLE', async () => {
  const gone = scheduler({ socketPath: `/tmp/${RUN}-no-engine.sock` });
  const message = await messageOf(gone.getState({ schedulerId: 'x' }));
  assert.is(await codeOf(gone.startContainer(request('unreachable', ['true']))), 'ERR_SCHEDULER_UNAVAILABLE');
  assert.match(message, /Cannot reach the Docker engine/);
});

test.run();
