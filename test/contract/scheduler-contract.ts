/**
 * The scheduler contract suite: behaviour every Scheduler (fake, process, docker, swarm) must
 * show, registered as uvu tests. A test file calls {@link runSchedulerContract} and then
 * `test.run()`. Where a scheduler cannot honestly do something (the fake has no processes to
 * signal), a capability flag says so and the suite checks the weaker promise instead.
 */
import { createHash, randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import type { ContainerStatus, LogChunk, Scheduler, StartContainerRequest } from '@gofer/core/api';
import { isGoferError } from '@gofer/core/api';
import { tempDir } from './plugin-context.js';

/** What a scheduler can do, where schedulers honestly differ. */
export interface SchedulerCapabilities {
  /** The task sees exactly the given env (no image or engine additions such as HOSTNAME). */
  exactEnv: boolean;
  /** The task is a real process: signals reach it (trapping TERM works, ignoring it gets it killed). */
  signals: boolean;
  /**
   * How "the core restarted" is played: a child process starts the task and dies
   * (`child-process`), or a second instance in this process (`same-process`).
   */
  restart: 'child-process' | 'same-process';
  /** Bytes of output for the large-output check. */
  largeOutputBytes: number;
}

/** How the suite makes schedulers. */
export interface SchedulerContractOptions {
  /**
   * Absolute path of a module exporting `createScheduler(dataDir: string): Scheduler |
   * Promise<Scheduler>`. It is imported here and, for the restart check, in a child process.
   */
  factoryModule: string;
  /** The uvu `test` (or suite) to register on. */
  test: typeof uvuTest;
  /** The image to run: it must have `/bin/sh`, `seq`, `sleep`, `env`, `printf`. */
  image: string;
  /** Labels put on every task, so the caller can clean up. */
  labels: Record<string, string>;
  capabilities: SchedulerCapabilities;
}

/** The module shape behind {@link SchedulerContractOptions.factoryModule}. */
export interface SchedulerFactoryModule {
  createScheduler(dataDir: string): Scheduler | Promise<Scheduler>;
}

const decoder = () => new TextDecoder();

/** Reads a log to its end, per stream. */
export async function collect(logs: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string; bytes: Record<LogChunk['stream'], number> }> {
  const text = { stdout: decoder(), stderr: decoder() };
  const out = { stdout: '', stderr: '', bytes: { stdout: 0, stderr: 0 } };
  for await (const chunk of logs) {
    out[chunk.stream] += text[chunk.stream].decode(chunk.data, { stream: true });
    out.bytes[chunk.stream] += chunk.data.byteLength;
  }
  return out;
}

/** Polls getState until the task is not running (deadline 60 s: a hung task fails the test). */
export async function waitForEnd(scheduler: Scheduler, schedulerId: string): Promise<ContainerStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await scheduler.getState({ schedulerId });
    if (status.state !== 'running') return status;
    if (Date.now() > deadline) throw new Error(`${schedulerId} still running after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads a live log until `marker` appeared on stdout; returns the rest of the iterator. */
async function readUntil(logs: AsyncIterable<LogChunk>, marker: string): Promise<{ seen: string; rest: AsyncIterator<LogChunk> }> {
  const iterator = logs[Symbol.asyncIterator]();
  const text = decoder();
  let seen = '';
  while (!seen.includes(marker)) {
    const next = await iterator.next();
    if (next.done) throw new Error(`log ended before "${marker}" appeared (got ${JSON.stringify(seen)})`);
    if (next.value.stream === 'stdout') seen += text.decode(next.value.data, { stream: true });
  }
  return { seen, rest: iterator };
}

/** Registers the contract tests. */
export function runSchedulerContract(name: string, options: SchedulerContractOptions): void {
  const { test, image, labels, capabilities } = options;
  const tag = randomUUID().slice(0, 8);
  const dataDir = tempDir(`gofer-contract-${name}`);
  let scheduler: Scheduler;
  let factory: SchedulerFactoryModule;

  const req = (id: string, script: string, more: Partial<StartContainerRequest> = {}): StartContainerRequest => ({
    id: `contract-${tag}_${id}`, image, variables: {}, secrets: {}, command: ['/bin/sh', '-c', script], labels, ...more,
  });
  const run = async (id: string, script: string, more: Partial<StartContainerRequest> = {}) => {
    const { schedulerId } = await scheduler.startContainer(req(id, script, more));
    const logs = await collect(await scheduler.getLogs({ schedulerId }));
    return { schedulerId, logs, status: await waitForEnd(scheduler, schedulerId) };
  };

  test.before(async () => {
    factory = (await import(options.factoryModule)) as SchedulerFactoryModule;
    scheduler = await factory.createScheduler(dataDir);
  });
  test.after(async () => {
    await scheduler?.close?.();
  });

  test(`${name}: the task sees every variable exactly as given`, async () => {
    const variables = { PLAIN: 'hello', SPACES: '  two  words ', EQUALS: 'a=b=c', MULTI: 'line 1\nline 2', UNICODE: 'grüße ✓', EMPTY: '' };
    const keys = Object.keys(variables);
    const { logs, status } = await run('env', `printf '%s\\001' ${keys.map((k) => `"$${k}"`).join(' ')}`, { variables });
    assert.equal(status, { state: 'exited', exitCode: 0 });
    assert.equal(logs.stdout.split('\u0001').slice(0, -1), Object.values(variables));
  });

  test(`${name}: the environment is ${capabilities.exactEnv ? 'exactly' : 'at least'} the given variables`, async () => {
    const variables = { GOFER_A: '1', GOFER_B: 'two', OTHER: 'x' };
    const { logs } = await run('env-keys', '', { variables, command: ['env'] }); // no shell: shells add PWD
    const seen = Object.fromEntries(logs.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    if (capabilities.exactEnv) assert.equal(seen, variables);
    else for (const [k, v] of Object.entries(variables)) assert.is(seen[k], v, k);
  });

  test(`${name}: exit codes are reported`, async () => {
    assert.equal((await run('exit-0', 'exit 0')).status, { state: 'exited', exitCode: 0 });
    assert.equal((await run('exit-42', 'exit 42')).status, { state: 'exited', exitCode: 42 });
  });

  test(`${name}: stdout and stderr both arrive, each in order`, async () => {
    const { logs } = await run('streams', 'for i in $(seq 1 300); do echo out$i; echo err$i >&2; done');
    const lines = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix}${i + 1}\n`).join('');
    assert.is(logs.stdout, lines('out'));
    assert.is(logs.stderr, lines('err'));
  });

  test(`${name}: getLogs ends at EOF and a second getLogs yields the whole output again`, async () => {
    const { schedulerId, logs } = await run('twice', 'echo one; echo two >&2; echo three');
    assert.is(logs.stdout, 'one\nthree\n');
    const again = await collect(await scheduler.getLogs({ schedulerId }));
    assert.is(again.stdout, 'one\nthree\n');
    assert.is(again.stderr, 'two\n');
  });

  test(`${name}: getState, getLogs and stopContainer of an unknown id are ERR_NO_SUCH_CONTAINER`, async () => {
    for (const call of [
      () => scheduler.getState({ schedulerId: `never-${tag}` }),
      () => scheduler.getLogs({ schedulerId: `never-${tag}` }),
      () => scheduler.stopContainer({ schedulerId: `never-${tag}`, timeoutMs: 10 }),
    ]) {
      const code = await call().then(() => 'resolved', (err: unknown) => (isGoferError(err) ? err.code : String(err)));
      assert.is(code, 'ERR_NO_SUCH_CONTAINER');
    }
  });

  test(`${name}: stopping a finished task is not an error and keeps its state`, async () => {
    const { schedulerId } = await run('stop-finished', 'exit 3');
    await scheduler.stopContainer({ schedulerId, timeoutMs: 100 });
    assert.equal(await scheduler.getState({ schedulerId }), { state: 'exited', exitCode: 3 });
  });

  test(`${name}: stop is graceful first: a task that handles TERM ends on its own terms`, async () => {
    const script = capabilities.signals
      ? "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"
      : 'echo ready; sleep 600';
    const { schedulerId } = await scheduler.startContainer(req('stop-graceful', script));
    const { rest } = await readUntil(await scheduler.getLogs({ schedulerId }), 'ready');
    assert.is((await scheduler.getState({ schedulerId })).state, 'running');
    await scheduler.stopContainer({ schedulerId, timeoutMs: 30_000 });
    const status = await scheduler.getState({ schedulerId });
    assert.is(status.state, 'cancelled');
    const after = await collect({ [Symbol.asyncIterator]: () => rest });
    if (capabilities.signals) {
      assert.is(status.exitCode, 7);
      assert.is(after.stdout, 'got-term\n');
    }
  });

  test(`${name}: stop forces a task that ignores TERM once the timeout passes`, async () => {
    const script = capabilities.signals ? "trap '' TERM; echo ready; while :; do sleep 0.05; done" : 'echo ready; sleep 600';
    const { schedulerId } = await scheduler.startContainer(req('stop-forced', script));
    const { rest } = await readUntil(await scheduler.getLogs({ schedulerId }), 'ready');
    await rest.return?.();
    await scheduler.stopContainer({ schedulerId, timeoutMs: 300 });
    const status = await scheduler.getState({ schedulerId });
    assert.is(status.state, 'cancelled');
    if (capabilities.signals) assert.is(status.exitCode, 137);
  });

  test(`${name}: a large output (${capabilities.largeOutputBytes} bytes) arrives whole`, async () => {
    // `seq 1 N` is deterministic: the expected bytes are computed here and compared by hash.
    const { count, expected } = seqOutput(capabilities.largeOutputBytes);
    const { schedulerId } = await scheduler.startContainer(req('large', `seq 1 ${count}; echo done >&2`));
    const hash = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    for await (const chunk of await scheduler.getLogs({ schedulerId })) {
      if (chunk.stream === 'stdout') { hash.update(chunk.data); bytes += chunk.data.byteLength; } else stderr += Buffer.from(chunk.data).toString();
    }
    assert.is(bytes, expected.bytes);
    assert.is(hash.digest('hex'), expected.sha256);
    assert.is(stderr, 'done\n');
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
  });

  test(`${name}: a restarted core (a new scheduler instance${capabilities.restart === 'child-process' ? ' in a new process' : ''}) re-attaches: state and complete logs`, async () => {
    const script = "trap 'echo after; exit 0' TERM; echo before; echo err-before >&2; while :; do sleep 0.05; done";
    const request = req('restart', capabilities.signals ? script : 'echo before; echo err-before >&2; sleep 600');
    let schedulerId: string;
    if (capabilities.restart === 'child-process') {
      schedulerId = await startInChildProcess(options.factoryModule, dataDir, request);
    } else {
      schedulerId = (await scheduler.startContainer(request)).schedulerId;
      await readUntil(await scheduler.getLogs({ schedulerId }), 'before');
    }
    const fresh = await factory.createScheduler(dataDir);
    try {
      assert.is((await fresh.getState({ schedulerId })).state, 'running');
      const { seen, rest } = await readUntil(await fresh.getLogs({ schedulerId }), 'before');
      assert.is(seen, 'before\n');
      await fresh.stopContainer({ schedulerId, timeoutMs: 30_000 });
      const tail = await collect({ [Symbol.asyncIterator]: () => rest });
      const whole = await collect(await fresh.getLogs({ schedulerId }));
      assert.is(whole.stderr, 'err-before\n');
      if (capabilities.signals) {
        assert.is(tail.stdout, 'after\n');
        assert.is(whole.stdout, 'before\nafter\n');
        assert.equal(await fresh.getState({ schedulerId }), { state: 'cancelled', exitCode: 0 });
      } else {
        assert.is(whole.stdout, 'before\n');
        assert.is((await fresh.getState({ schedulerId })).state, 'cancelled');
      }
    } finally {
      await fresh.close?.();
    }
  });
}

/** The output of `seq 1 count` for the smallest count whose output reaches `bytes`. */
function seqOutput(bytes: number): { count: number; expected: { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let total = 0;
  let count = 0;
  let batch = '';
  while (total < bytes) {
    count += 1;
    const line = `${count}\n`;
    total += line.length;
    batch += line;
    if (batch.length > 1 << 20) { hash.update(batch); batch = ''; }
  }
  hash.update(batch);
  return { count, expected: { bytes: total, sha256: hash.digest('hex') } };
}

const CHILD = fileURLToPath(new URL('./restart-child.ts', import.meta.url));

/**
 * Starts the task in a child process that reads its log until "before", prints the scheduler
 * id and exits without closing anything: the core dying mid-task.
 */
async function startInChildProcess(factoryModule: string, dataDir: string, request: StartContainerRequest): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=gofer-source', '--import', 'tsx', CHILD, factoryModule, dataDir, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`restart child exited with ${code}: ${stdout}`);
  const id = /schedulerId=(\S+)/.exec(stdout)?.[1];
  if (!id) throw new Error(`restart child printed no scheduler id: ${stdout}`);
  return id;
}
