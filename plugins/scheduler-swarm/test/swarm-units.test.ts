/** The swarm scheduler's pure parts: names, the secret wrapper, settings, state mapping, errors. */
import { execFile } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError } from '@gofer/core/api';
import { validateSecretMap } from '../src/secret-env.js';
import { wrapperEntrypoint } from '../src/task-wrapper.js';
import { dockerDemux, serviceLogs, type Demux } from '../src/service-logs.js';
import { serviceNameFor } from '../src/service-name.js';
import { buildServiceSpec } from '../src/service-spec.js';
import { resolveSettings } from '../src/settings.js';
import { translateSwarmError } from '../src/swarm-errors.js';
import type { NodeView } from '../src/swarm-nodes.js';
import { currentTask, taskStatus, type SwarmTask } from '../src/task-state.js';

const run = promisify(execFile);
const VALID = /^[a-zA-Z0-9](?:[-_]*[a-zA-Z0-9]+)*$/;

test('service names: plain when valid, hashed and shortened otherwise, always deterministic', () => {
  assert.is(serviceNameFor('hello_1_simple_task', 'gofer-'), 'gofer-hello_1_simple_task');
  const odd = serviceNameFor('pipe.line_12_task!', 'gofer-');
  assert.ok(VALID.test(odd), odd);
  assert.is(serviceNameFor('pipe.line_12_task!', 'gofer-'), odd);
  assert.is.not(serviceNameFor('pipe.line_12_task?', 'gofer-'), odd);
  const long = serviceNameFor(`${'p'.repeat(32)}_123456_${'t'.repeat(40)}`, 'gofer-');
  assert.ok(long.length <= 63 && VALID.test(long), long);
  assert.ok(VALID.test(serviceNameFor('task_', 'gofer-')));
});

test('the secret wrapper exports each secret and passes arguments through untouched (run with the host sh)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-swarm-wrapper-'));
  try {
    writeFileSync(join(dir, 'value'), `it's "x" $HOME \\ \`id\`\n`);
    const argv = wrapperEntrypoint({ shell: '/bin/sh', secrets: { MY_SECRET: 'value' } }, ['printf', '[%s]', 'a b', `it's`, '$HOME', '"q"']);
    // Point the wrapper at the temporary file instead of /run/secrets.
    const script = (argv[2] ?? '').replace("'/run/secrets/value'", `'${join(dir, 'value')}'`);
    const { stdout } = await run(argv[0] ?? '', [argv[1] ?? '', script, ...argv.slice(3)], { env: {} });
    assert.is(stdout, `[a b][it's][$HOME]["q"]`);
    const env = await run('/bin/sh', ['-c', script, 'gofer-task', 'sh', '-c', 'printf %s "$MY_SECRET"'], { env: {} });
    assert.is(env.stdout, `it's "x" $HOME \\ \`id\``, 'trailing newline dropped, nothing expanded');
    const missing = await run('/bin/sh', ['-c', argv[2] ?? '', 'x', 'true']).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    assert.is(missing, 126, 'an unreadable secret stops the task');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secret maps: env names and secret names are checked', () => {
  validateSecretMap({ GOOD_NAME: 'db-password.v2' });
  const bads: Array<Record<string, string>> = [{ 'BAD-ENV': 'x' }, { '1X': 'x' }, { OK: 'bad name' }, { OK: "x';rm" }];
  for (const bad of bads) {
    try {
      validateSecretMap(bad);
      assert.unreachable(JSON.stringify(bad));
    } catch (err) {
      assert.ok(isGoferError(err, 'ERR_INVALID_ARGUMENT'), String(err));
    }
  }
});

test('settings: defaults filled in, mistakes named by path', () => {
  const s = resolveSettings({});
  assert.is(s.serviceNamePrefix, 'gofer-');
  assert.is(s.stopGracePeriodMs, 10_000);
  assert.equal(s.constraints, []);
  assert.is(s.resolveImage, 'registry');
  assert.ok(Object.isFrozen(s));
  try {
    resolveSettings({ constraints: 'node.role==worker', limits: { cpus: -1 }, colour: 'blue' });
    assert.unreachable();
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_PLUGIN_SETTINGS_INVALID'));
    const message = (err as Error).message;
    assert.match(message, '/settings/constraints: must be array');
    assert.match(message, '/settings/limits/cpus: must be > 0');
    assert.match(message, 'unknown key "colour"');
  }
});

test('service spec: one replica, restart none, labels, secrets, placement, resources', () => {
  const spec = buildServiceSpec({
    name: 'gofer-x',
    id: 'p_1_t',
    image: 'reg:5000/img:1@sha256:abc',
    env: { A: '1', B: 'x=y' },
    labels: { 'gofer.run': '1', 'gofer.managed': 'no' },
    entrypoint: ['sh'],
    args: ['-c', 'true'],
    secrets: [{ id: 'sid', name: 'db' }],
    settings: {
      constraints: ['node.labels.zone==a'],
      placement: [
        { labels: { 'gofer.run': '1' }, constraints: ['node.labels.gpu==true', 'node.labels.zone==a'] },
        { labels: { 'gofer.run': '2' }, constraints: ['node.role==manager'] },
      ],
      networks: ['jobs'],
      limits: { cpus: 1.5 },
      reservations: { memoryMb: 32 },
      stopGracePeriodMs: 2500,
    },
  });
  const task = spec.TaskTemplate as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(spec.Mode, { Replicated: { Replicas: 1 } });
  assert.is(task.RestartPolicy.Condition, 'none');
  assert.equal(spec.Labels, { 'gofer.run': '1', 'gofer.managed': 'true', 'gofer.scheduler': 'swarm', 'gofer.id': 'p_1_t' });
  assert.equal(task.ContainerSpec.Env, ['A=1', 'B=x=y']);
  assert.equal(task.ContainerSpec.Command, ['sh']);
  assert.equal(task.ContainerSpec.Args, ['-c', 'true']);
  assert.is(task.ContainerSpec.StopGracePeriod, 2_500_000_000);
  assert.equal(task.ContainerSpec.Secrets, [{ SecretID: 'sid', SecretName: 'db', File: { Name: 'db', UID: '0', GID: '0', Mode: 0o444 } }]);
  assert.equal(task.Placement.Constraints, ['node.labels.zone==a', 'node.labels.gpu==true'], 'the settings, plus the rules matching the labels');
  assert.equal(task.Networks, [{ Target: 'jobs' }]);
  assert.equal(task.Resources, { Limits: { NanoCPUs: 1_500_000_000 }, Reservations: { MemoryBytes: 32 * 1024 * 1024 } });
});

test('task states: active ones run, ends carry real exit codes only, a lost node or a swarm shutdown is unknown with the reason', () => {
  const t = (State: string, ExitCode?: number, ContainerID?: string): SwarmTask => ({
    ID: 'x',
    NodeID: 'n2id',
    Status: { State, ContainerStatus: { ExitCode, ContainerID } },
  });
  const ready: NodeView = { id: 'n2id', hostname: 'vm', state: 'ready', availability: 'active', label: 'n2' };
  for (const s of ['new', 'pending', 'assigned', 'preparing', 'starting', 'running']) assert.equal(taskStatus(t(s, 0), ready), { state: 'running' }, s);
  assert.equal(taskStatus(undefined), { state: 'running' });
  assert.equal(taskStatus(t('complete', 0)), { state: 'exited', exitCode: 0 });
  assert.equal(taskStatus(t('failed', 3, 'c')), { state: 'exited', exitCode: 3 });
  const unknown = (task: SwarmTask, node?: NodeView) => {
    const status = taskStatus(task, node);
    assert.is(status.state, 'unknown', JSON.stringify(task));
    assert.is(status.exitCode, undefined, 'no invented exit code');
    return status.reason ?? '';
  };
  assert.match(unknown({ ...t('rejected', 0), Status: { State: 'rejected', Err: 'no such image' } }), 'the swarm reports the task rejected: no such image');
  assert.match(unknown(t('failed', 0)), 'failed');
  assert.match(unknown(t('orphaned', 0, 'c')), 'orphaned');
  assert.match(unknown(t('running', 0, 'c'), { ...ready, state: 'down' }), 'the swarm node vm (id n2id, gofer.node=n2) running the task is down');
  assert.match(unknown(t('running', 0, 'c'), { id: 'n2id', removed: true }), 'is no longer in the swarm');
  assert.match(
    unknown(t('shutdown', 0, 'c'), { ...ready, availability: 'drain' }),
    'the swarm shut the task down before it finished (its node vm (id n2id, gofer.node=n2) was drained); the container exited with code 0',
  );
  assert.match(unknown(t('shutdown', 143, 'c'), ready), 'its service was changed outside Gofer');
  assert.is(
    currentTask([
      { ID: 'old', Version: { Index: 3 } },
      { ID: 'new', Version: { Index: 9 } },
    ])?.ID,
    'new',
  );
});

/** A stand-in for Docker's multiplexing: chunks starting with "E" are stderr. */
const fakeDemux: Demux = (source, stdout, stderr) => {
  source.on('data', (d: Buffer) => (d.toString().startsWith('E') ? stderr : stdout).write(d));
};

test('service logs: a live stream that never ends is finished from one complete read, without repeats', async () => {
  const live = new PassThrough();
  let finished = false;
  const whole = ['out-1\n', 'Err-1\n', 'out-2\n', 'Err-2\n', 'out-3\n'];
  const logs = serviceLogs({
    open: async (follow) => (follow ? live : Readable.from(whole.map((w) => Buffer.from(w)))),
    isFinished: async () => finished,
    demux: fakeDemux,
    pollIntervalMs: 20,
  });
  const seen: string[] = [];
  live.write('out-1\n');
  for await (const chunk of logs) {
    seen.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`);
    if (seen.length === 1) {
      live.write('Err-1\n');
      finished = true; // the task ended; the follow stream stays open, as swarm's does
    }
  }
  assert.equal(seen, ['stdout:out-1\n', 'stderr:Err-1\n', 'stdout:out-2\n', 'stderr:Err-2\n', 'stdout:out-3\n']);
  assert.ok(live.destroyed, 'the follow stream is closed');
});

test('service logs: a live stream that ends early is completed from one full read, without repeats', async () => {
  const live = new PassThrough();
  let finished = false;
  const whole = ['out-1\n', 'Err-1\n', 'out-2\n', 'out-3\n'];
  const logs = serviceLogs({
    open: async (follow) => (follow ? live : Readable.from(whole.map((w) => Buffer.from(w)))),
    isFinished: async () => finished,
    demux: fakeDemux,
    pollIntervalMs: 20,
  });
  live.write('out-1\n');
  const seen: string[] = [];
  for await (const chunk of logs) {
    seen.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`);
    if (seen.length === 1) {
      // The container exited and its follow stream ended before delivering all of its output.
      finished = true;
      live.end();
    }
  }
  assert.equal(seen, ['stdout:out-1\n', 'stderr:Err-1\n', 'stdout:out-2\n', 'stdout:out-3\n']);
});

test('service logs: a live stream that breaks while the task runs (its engine restarting) is opened again, without repeats', async () => {
  const lives = [new PassThrough(), new PassThrough()];
  let opened = 0;
  let finished = false;
  const writeLater = (stream: PassThrough, parts: string[]) => {
    for (const [i, part] of parts.entries()) setTimeout(() => stream.write(part), 5 * (i + 1));
  };
  const logs = serviceLogs({
    open: async (follow) => {
      if (!follow) return Readable.from(['a\n', 'Eb\n', 'c\n', 'd\n'].map((w) => Buffer.from(w)));
      const live = lives[opened++] ?? new PassThrough();
      if (opened === 2) writeLater(live, ['a\n', 'Eb\n', 'c\n']); // the new stream starts from the beginning
      return live;
    },
    isFinished: async () => finished,
    demux: fakeDemux,
    pollIntervalMs: 20,
  });
  lives[0]!.write('a\n');
  const seen: string[] = [];
  for await (const chunk of logs) {
    seen.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`);
    if (seen.length === 1) lives[0]!.destroy(new Error('socket hang up'));
    if (seen.length === 3) finished = true;
  }
  assert.is(opened, 2);
  assert.equal(seen, ['stdout:a\n', 'stderr:Eb\n', 'stdout:c\n', 'stdout:d\n']);
});

test('service logs: a finished task is read once; an abort ends a live read', async () => {
  const once = serviceLogs({ open: async () => Readable.from([Buffer.from('a\n')]), isFinished: async () => true, demux: fakeDemux, pollIntervalMs: 20 });
  const got: string[] = [];
  for await (const c of once) got.push(Buffer.from(c.data).toString());
  assert.equal(got, ['a\n']);

  const controller = new AbortController();
  const live = new PassThrough();
  const logs = serviceLogs({ open: async () => live, isFinished: async () => false, demux: fakeDemux, pollIntervalMs: 20, signal: controller.signal });
  live.write('x\n');
  let count = 0;
  for await (const _ of logs) {
    count += 1;
    controller.abort();
  }
  assert.is(count, 1);
});

test("service logs: a complete read that stalls without ending (swarm's log broker) is given up and the iterable ends", async () => {
  const stalled = new PassThrough();
  stalled.write('a\n');
  let stalls = 0;
  const logs = serviceLogs({
    open: async () => stalled,
    isFinished: async () => true,
    demux: fakeDemux,
    pollIntervalMs: 20,
    stallMs: 50,
    onStall: () => (stalls += 1),
  });
  const got: string[] = [];
  for await (const c of logs) got.push(Buffer.from(c.data).toString());
  assert.equal(got, ['a\n']);
  assert.is(stalls, 1);
  assert.ok(stalled.destroyed, 'the stalled stream is closed');
});

test("Docker's log frames: stdout and stderr split across reads; an engine error frame fails the stream with its text", async () => {
  const frame = (type: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header.writeUInt8(type, 0);
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  const bytes = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more\n'), frame(3, 'incomplete log stream: node x is not available\n')]);
  const source = new PassThrough();
  const got: string[] = [];
  const sink = (name: string) => new PassThrough().on('data', (d: Buffer) => got.push(`${name}:${d.toString()}`));
  dockerDemux(source, sink('out'), sink('err'));
  const failed = new Promise<Error>((resolve) => source.on('error', resolve));
  for (let i = 0; i < bytes.length; i += 5) source.write(bytes.subarray(i, i + 5)); // frames split across reads
  assert.match((await failed).message, 'the engine reported: incomplete log stream: node x is not available');
  assert.equal(got, ['out:out\n', 'err:err\n', 'out:more\n']);
});

test("errors in the swarm's words: not a swarm, unreachable, missing service, registry refusals", () => {
  const ctx = { engine: 'unix:///var/run/docker.sock', schedulerId: 'gofer-x' };
  const notSwarm = translateSwarmError(
    Object.assign(new Error('(HTTP code 503) unexpected'), {
      statusCode: 503,
      json: { message: 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.' },
    }),
    ctx,
    'list services',
  );
  assert.is(notSwarm.code, 'ERR_SCHEDULER_UNAVAILABLE');
  assert.match(notSwarm.message, 'docker swarm init --advertise-addr');
  const unreachable = translateSwarmError(Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' }), ctx, 'x');
  assert.is(unreachable.code, 'ERR_SCHEDULER_UNAVAILABLE');
  assert.match(unreachable.message, 'set the swarm scheduler\'s "host"/"socketPath" setting');
  const missing = translateSwarmError(Object.assign(new Error('no such service'), { statusCode: 404 }), ctx, 'x');
  assert.is(`${missing.code}: ${missing.message}`, 'ERR_NO_SUCH_CONTAINER: The swarm has no service gofer-x.');
  const noImage = translateSwarmError(new Error('manifest unknown: manifest unknown'), { engine: ctx.engine, image: 'r:5000/a:1' }, 'x');
  assert.is(noImage.code, 'ERR_NO_SUCH_IMAGE');
  assert.match(noImage.message, 'a local-only image cannot run on a swarm');
  assert.match(translateSwarmError(new Error('boom'), ctx, 'list services').message, 'The swarm failed to list services: boom');
});

test.run();
