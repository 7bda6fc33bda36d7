/**
 * The scheduler contract suite: behaviour every Scheduler (fake, process, docker, swarm, yours)
 * must show, registered as uvu tests. A test file calls {@link runSchedulerContract} and then
 * `test.run()`. Where a scheduler cannot honestly do something (the fake has no processes to
 * signal), a capability flag says so and the suite checks the weaker promise instead.
 */
import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogChunk, Scheduler, StartContainerRequest } from '@gofer/core/api';
import { isGoferError } from '@gofer/core/api';
import { collect, readUntil, seqChunks, seqOutput, startInChildProcess, waitForEnd } from './contract-helpers.js';
import { tempDir } from './plugin-context.js';

/** What a scheduler can do, where schedulers honestly differ. */
export interface SchedulerCapabilities {
  /**
   * The task sees exactly the given env (no image or engine additions such as HOSTNAME), besides
   * the contract's own `GOFER_OUTPUT` of a scheduler with `readOutputs`.
   */
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
   * Absolute path of a module exporting the {@link SchedulerFactoryModule} functions. It is
   * imported here and, for the restart check with `restart: 'child-process'`, in a child process
   * started with this process's Node options. Give this or {@link SchedulerContractOptions.factory}.
   */
  factoryModule?: string;
  /** The factory itself, when the restart is played in this process (`restart: 'same-process'`). */
  factory?: SchedulerFactoryModule;
  /** The uvu `test` (or suite) to register on. */
  test: typeof uvuTest;
  /** The image to run: it must have `/bin/sh`, `seq`, `sleep`, `env`, `printf`. */
  image: string;
  /** Labels put on every task, so the caller can clean up. */
  labels: Record<string, string>;
  capabilities: SchedulerCapabilities;
}

/** What a scheduler that runs no commands (the fake) should make one task do instead. */
export interface ScriptedTask {
  /** Output in the order it is produced. */
  output: Array<{ stream: LogChunk['stream']; text: string }>;
  exitCode?: number;
  /** Run until stopped. */
  hang?: boolean;
  /** Ignore the graceful stop (only the kill after the timeout ends it). */
  ignoreTerm?: boolean;
  /** What the task writes to `$GOFER_OUTPUT`. */
  goferOutput?: string;
  /** Files the task writes into its workspace (`$GOFER_WORKSPACE/<name>`) first. */
  workspaceWrites?: Record<string, string>;
  /** Files of its workspace the task then prints to stdout, after `output`, as `cat` would: a missing one makes it fail. */
  workspaceReads?: string[];
}

/** What {@link SchedulerContractOptions.factory} is, and what {@link SchedulerContractOptions.factoryModule} exports. */
export interface SchedulerFactoryModule {
  /** A scheduler keeping its state under `dataDir`; a second call with the same dir is "the core restarted". */
  createScheduler(dataDir: string): Scheduler | Promise<Scheduler>;
  /**
   * Only for schedulers that run no commands: makes the next start of `request` behave like
   * `task`. The suite derives `task` from the request (e.g. printing its variables), so the
   * checks stay about what the scheduler passes and reports.
   */
  scriptTask?(scheduler: Scheduler, request: StartContainerRequest, task: ScriptedTask): void;
  /**
   * Asks the engine itself (not the scheduler) whether anything of the container is left: the
   * Docker container, the swarm service, the execution's files. The cleanup checks use it.
   */
  engineHas(dataDir: string, schedulerId: string): Promise<boolean>;
}

/** Registers the contract tests. */
export function runSchedulerContract(name: string, options: SchedulerContractOptions): void {
  const { test, image, labels, capabilities } = options;
  if (!options.factory && !options.factoryModule) throw new TypeError('runSchedulerContract: give factory or factoryModule');
  if (capabilities.restart === 'child-process' && !options.factoryModule)
    throw new TypeError("runSchedulerContract: restart 'child-process' needs factoryModule (the child process imports it)");
  const tag = randomUUID().slice(0, 8);
  const dataDir = tempDir(`gofer-contract-${name}`);
  let scheduler: Scheduler;
  let factory: SchedulerFactoryModule;

  const req = (id: string, script: string, more: Partial<StartContainerRequest> = {}): StartContainerRequest => ({
    id: `contract-${tag}_${id}`,
    image,
    variables: {},
    secrets: {},
    command: ['/bin/sh', '-c', script],
    labels,
    ...more,
  });
  const started = new Set<string>();
  const workspaces = new Set<string>();
  type Scripted = (request: StartContainerRequest) => ScriptedTask;
  /** Starts a task on `on` (default: the suite's scheduler; another instance plays a restarted core). */
  const start = async (request: StartContainerRequest, scripted: Scripted, on: Scheduler = scheduler) => {
    factory.scriptTask?.(on, request, scripted(request));
    const { schedulerId } = await on.startContainer(request);
    started.add(schedulerId);
    return { schedulerId };
  };
  const run = async (id: string, script: string, scripted: Scripted, more: Partial<StartContainerRequest> = {}, on: Scheduler = scheduler) => {
    const { schedulerId } = await start(req(id, script, more), scripted, on);
    const logs = await collect(await on.getLogs({ schedulerId }));
    return { schedulerId, logs, status: await waitForEnd(on, schedulerId) };
  };
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (err: unknown) => (isGoferError(err) ? err.code : String(err)),
    );

  test.before(async () => {
    factory = options.factory ?? ((await import(options.factoryModule!)) as SchedulerFactoryModule);
    scheduler = await factory.createScheduler(dataDir);
  });
  test.after(async () => {
    // Leave nothing running or stored behind, even when a test failed half-way.
    for (const schedulerId of started) {
      await scheduler.stopContainer({ schedulerId, timeoutMs: 0 }).catch(() => {});
      await scheduler.removeContainer?.({ schedulerId }).catch(() => {});
    }
    for (const id of workspaces) await scheduler.removeWorkspace?.({ id }).catch(() => {});
    await scheduler?.close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test(`${name}: the task sees every variable exactly as given`, async () => {
    const variables = { PLAIN: 'hello', SPACES: '  two  words ', EQUALS: 'a=b=c', MULTI: 'line 1\nline 2', UNICODE: 'grüße ✓', EMPTY: '' };
    const keys = Object.keys(variables);
    const printValues: Scripted = (r) => ({ output: [{ stream: 'stdout', text: keys.map((k) => `${r.variables[k]}\u0001`).join('') }] });
    const { logs, status } = await run('env', `printf '%s\\001' ${keys.map((k) => `"$${k}"`).join(' ')}`, printValues, { variables });
    assert.equal(status, { state: 'exited', exitCode: 0 });
    assert.equal(logs.stdout.split('\u0001').slice(0, -1), Object.values(variables));
  });

  test(`${name}: the environment is ${capabilities.exactEnv ? 'exactly' : 'at least'} the given variables`, async () => {
    const variables = { GOFER_A: '1', GOFER_B: 'two', OTHER: 'x' };
    const printEnv: Scripted = (r) => ({
      output: [
        {
          stream: 'stdout',
          text: Object.entries(r.variables)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
        },
      ],
    });
    const { logs } = await run('env-keys', '', printEnv, { variables, command: ['env'] }); // no shell: shells add PWD
    const seen = Object.fromEntries(
      logs.stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // The contract's own variable: where the task may write its outputs.
    if (scheduler.readOutputs) delete seen['GOFER_OUTPUT'];
    if (capabilities.exactEnv) assert.equal(seen, variables);
    else for (const [k, v] of Object.entries(variables)) assert.is(seen[k], v, k);
  });

  test(`${name}: exit codes are reported`, async () => {
    assert.equal((await run('exit-0', 'exit 0', () => ({ output: [], exitCode: 0 }))).status, { state: 'exited', exitCode: 0 });
    assert.equal((await run('exit-42', 'exit 42', () => ({ output: [], exitCode: 42 }))).status, { state: 'exited', exitCode: 42 });
  });

  test(`${name}: stdout and stderr both arrive, each in order`, async () => {
    const interleaved: Scripted = () => ({
      output: Array.from({ length: 300 }, (_, i) => [
        { stream: 'stdout' as const, text: `out${i + 1}\n` },
        { stream: 'stderr' as const, text: `err${i + 1}\n` },
      ]).flat(),
    });
    const { logs } = await run('streams', 'for i in $(seq 1 300); do echo out$i; echo err$i >&2; done', interleaved);
    const lines = (prefix: string) => Array.from({ length: 300 }, (_, i) => `${prefix}${i + 1}\n`).join('');
    assert.is(logs.stdout, lines('out'));
    assert.is(logs.stderr, lines('err'));
  });

  test(`${name}: getLogs ends at EOF and a second getLogs yields the whole output again`, async () => {
    const { schedulerId, logs } = await run('twice', 'echo one; echo two >&2; echo three', () => ({
      output: [
        { stream: 'stdout', text: 'one\n' },
        { stream: 'stderr', text: 'two\n' },
        { stream: 'stdout', text: 'three\n' },
      ],
    }));
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
      const code = await call().then(
        () => 'resolved',
        (err: unknown) => (isGoferError(err) ? err.code : String(err)),
      );
      assert.is(code, 'ERR_NO_SUCH_CONTAINER');
    }
  });

  test(`${name}: stopping a finished task is not an error and keeps its state`, async () => {
    const { schedulerId } = await run('stop-finished', 'exit 3', () => ({ output: [], exitCode: 3 }));
    await scheduler.stopContainer({ schedulerId, timeoutMs: 100 });
    assert.equal(await scheduler.getState({ schedulerId }), { state: 'exited', exitCode: 3 });
  });

  test(`${name}: stop is graceful first: a task that handles TERM ends on its own terms`, async () => {
    const script = capabilities.signals ? "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done" : 'echo ready; sleep 600';
    const { schedulerId } = await start(req('stop-graceful', script), () => ({ output: [{ stream: 'stdout', text: 'ready\n' }], hang: true }));
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
    const { schedulerId } = await start(req('stop-forced', script), () => ({ output: [{ stream: 'stdout', text: 'ready\n' }], hang: true, ignoreTerm: true }));
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
    const { schedulerId } = await start(req('large', `seq 1 ${count}; echo done >&2`), () => ({
      output: [...seqChunks(count).map((text) => ({ stream: 'stdout' as const, text })), { stream: 'stderr', text: 'done\n' }],
    }));
    const hash = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    for await (const chunk of await scheduler.getLogs({ schedulerId })) {
      if (chunk.stream === 'stdout') {
        hash.update(chunk.data);
        bytes += chunk.data.byteLength;
      } else stderr += Buffer.from(chunk.data).toString();
    }
    assert.is(bytes, expected.bytes);
    assert.is(hash.digest('hex'), expected.sha256);
    assert.is(stderr, 'done\n');
    assert.equal(await waitForEnd(scheduler, schedulerId), { state: 'exited', exitCode: 0 });
  });

  test(`${name}: removeContainer after the final state and the logs: gone from the engine, ERR_NO_SUCH_CONTAINER since, removing again is fine`, async () => {
    const { schedulerId, logs, status } = await run('remove', 'echo bye; exit 4', () => ({ output: [{ stream: 'stdout', text: 'bye\n' }], exitCode: 4 }));
    assert.is(logs.stdout, 'bye\n');
    assert.equal(status, { state: 'exited', exitCode: 4 });
    assert.ok(await factory.engineHas(dataDir, schedulerId), 'a finished container stays until the core removes it');
    await scheduler.removeContainer!({ schedulerId });
    assert.not.ok(await factory.engineHas(dataDir, schedulerId), 'nothing of it is left on the engine');
    const fresh = await factory.createScheduler(dataDir);
    try {
      for (const [who, s] of [
        ['the same instance', scheduler],
        ['a new instance', fresh],
      ] as const) {
        for (const call of [() => s.getState({ schedulerId }), () => s.getLogs({ schedulerId })]) {
          const code = await call().then(
            () => 'resolved',
            (err: unknown) => (isGoferError(err) ? err.code : String(err)),
          );
          assert.is(code, 'ERR_NO_SUCH_CONTAINER', who);
        }
      }
      await scheduler.removeContainer!({ schedulerId });
      await fresh.removeContainer!({ schedulerId });
      await scheduler.removeContainer!({ schedulerId: `never-${tag}` });
    } finally {
      await fresh.close?.();
    }
    const listed = (await scheduler.listContainers?.({ labels })) ?? [];
    assert.not.ok(
      listed.some((c) => c.schedulerId === schedulerId),
      'listContainers no longer finds it',
    );
  });

  test(`${name}: removeContainer of a running container ends it and removes it`, async () => {
    const { schedulerId } = await start(req('remove-running', 'echo ready; sleep 600'), () => ({
      output: [{ stream: 'stdout', text: 'ready\n' }],
      hang: true,
    }));
    const { rest } = await readUntil(await scheduler.getLogs({ schedulerId }), 'ready');
    await rest.return?.();
    await scheduler.removeContainer!({ schedulerId });
    assert.not.ok(await factory.engineHas(dataDir, schedulerId));
    assert.is(
      await scheduler.getState({ schedulerId }).then(
        () => 'resolved',
        (err: unknown) => (isGoferError(err) ? err.code : String(err)),
      ),
      'ERR_NO_SUCH_CONTAINER',
    );
  });

  test(`${name}: a new scheduler instance reports tasks that ended meanwhile: exit code, cancelled, whole logs`, async () => {
    const { schedulerId: exitedId } = await run('ended-exit', 'echo out-a; echo err-a >&2; exit 5', () => ({
      output: [
        { stream: 'stdout', text: 'out-a\n' },
        { stream: 'stderr', text: 'err-a\n' },
      ],
      exitCode: 5,
    }));
    const script = capabilities.signals ? "trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done" : 'echo ready; sleep 600';
    const { schedulerId: stoppedId } = await start(req('ended-stop', script), () => ({ output: [{ stream: 'stdout', text: 'ready\n' }], hang: true }));
    const { rest } = await readUntil(await scheduler.getLogs({ schedulerId: stoppedId }), 'ready');
    await rest.return?.();
    await scheduler.stopContainer({ schedulerId: stoppedId, timeoutMs: 30_000 });
    const fresh = await factory.createScheduler(dataDir);
    try {
      assert.equal(await fresh.getState({ schedulerId: exitedId }), { state: 'exited', exitCode: 5 });
      const logs = await collect(await fresh.getLogs({ schedulerId: exitedId }));
      assert.is(logs.stdout, 'out-a\n');
      assert.is(logs.stderr, 'err-a\n');
      assert.is((await fresh.getState({ schedulerId: stoppedId })).state, 'cancelled');
      assert.is((await collect(await fresh.getLogs({ schedulerId: stoppedId }))).stdout, 'ready\n');
    } finally {
      await fresh.close?.();
    }
  });

  test(`${name}: a restarted core (a new scheduler instance${capabilities.restart === 'child-process' ? ' in a new process' : ''}) re-attaches: state and complete logs`, async () => {
    // stderr is closed after its line: a shell whose child dies of the stop signal may report it there.
    const script = "trap 'echo after; exit 0' TERM; echo before; echo err-before >&2; exec 2>/dev/null; while :; do sleep 0.05; done";
    const request = req('restart', capabilities.signals ? script : 'echo before; echo err-before >&2; sleep 600');
    let schedulerId: string;
    if (capabilities.restart === 'child-process') {
      schedulerId = await startInChildProcess(options.factoryModule!, dataDir, request);
      started.add(schedulerId);
    } else {
      schedulerId = (
        await start(request, () => ({
          output: [
            { stream: 'stdout', text: 'before\n' },
            { stream: 'stderr', text: 'err-before\n' },
          ],
          hang: true,
        }))
      ).schedulerId;
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

  // Outputs and workspaces are optional: a scheduler without readOutputs (or removeWorkspace)
  // passes these checks by having nothing to check; one that has it must keep all of its promises.

  test(`${name}: readOutputs: the bytes each task wrote to $GOFER_OUTPUT, once it ended (also a failed one), for a new instance too`, async () => {
    if (!scheduler.readOutputs) return;
    const tasks = [
      { id: 'outputs-a', text: 'A=1\n', exitCode: 0 },
      { id: 'outputs-b', text: 'B=two words\nC=\n', exitCode: 0 },
      { id: 'outputs-failed', text: 'X=y\n', exitCode: 3 },
    ];
    // At once: each task's file is its own.
    const ran = await Promise.all(
      tasks.map(({ id, text, exitCode }) =>
        run(id, `printf '${text.replaceAll('\n', '\\n')}' > "$GOFER_OUTPUT"; exit ${exitCode}`, () => ({ output: [], goferOutput: text, exitCode })),
      ),
    );
    const fresh = await factory.createScheduler(dataDir);
    try {
      for (const [i, { id, text, exitCode }] of tasks.entries()) {
        const { schedulerId, status } = ran[i]!;
        assert.equal(status, { state: 'exited', exitCode }, id);
        for (const [who, s] of [
          ['the same instance', scheduler],
          ['a new instance', fresh],
        ] as const) {
          const bytes = await s.readOutputs!({ schedulerId, maxBytes: 1024 });
          assert.ok(bytes instanceof Uint8Array, `${id}, ${who}: a Uint8Array`);
          assert.is(new TextDecoder().decode(bytes), text, `${id}, ${who}`);
        }
      }
    } finally {
      await fresh.close?.();
    }
  });

  test(`${name}: readOutputs: undefined when the task wrote none; ERR_NO_SUCH_CONTAINER once removed, or for an unknown id`, async () => {
    if (!scheduler.readOutputs) return;
    const { schedulerId, status } = await run('outputs-none', 'echo no outputs', () => ({ output: [{ stream: 'stdout', text: 'no outputs\n' }] }));
    assert.equal(status, { state: 'exited', exitCode: 0 });
    assert.is(await scheduler.readOutputs({ schedulerId, maxBytes: 1024 }), undefined);
    await scheduler.removeContainer?.({ schedulerId });
    if (scheduler.removeContainer) assert.is(await codeOf(scheduler.readOutputs({ schedulerId, maxBytes: 1024 })), 'ERR_NO_SUCH_CONTAINER');
    assert.is(await codeOf(scheduler.readOutputs({ schedulerId: `never-${tag}`, maxBytes: 1024 })), 'ERR_NO_SUCH_CONTAINER');
  });

  test(`${name}: readOutputs returns at most maxBytes + 1 bytes, from the start of the file`, async () => {
    if (!scheduler.readOutputs) return;
    const text = seqChunks(2000).join(''); // `seq 1 2000`: 8893 bytes of ASCII
    const { schedulerId } = await run('outputs-big', 'seq 1 2000 > "$GOFER_OUTPUT"', () => ({ output: [], goferOutput: text }));
    for (const maxBytes of [0, 100, text.length - 1, text.length, text.length + 100]) {
      const bytes = await scheduler.readOutputs({ schedulerId, maxBytes });
      assert.is(new TextDecoder().decode(bytes), text.slice(0, maxBytes + 1), `maxBytes ${maxBytes}`);
    }
  });

  test(`${name}: workspace: tasks of one workspace id share $GOFER_WORKSPACE (made by the first, also by two at once, also seen by a new instance), others do not; removeWorkspace empties it, twice is fine`, async () => {
    if (!scheduler.removeWorkspace) return;
    const workspace = { id: `contract-${tag}-ws` };
    const other = { id: `contract-${tag}-other` };
    workspaces.add(workspace.id).add(other.id);
    const cat = 'cat "$GOFER_WORKSPACE/a.txt" "$GOFER_WORKSPACE/b.txt"';
    const reads: Scripted = () => ({ output: [], workspaceReads: ['a.txt', 'b.txt'] });
    const writers = await Promise.all(
      ['a', 'b'].map((f) =>
        run(`ws-write-${f}`, `printf '${f}\\n' > "$GOFER_WORKSPACE/${f}.txt"`, () => ({ output: [], workspaceWrites: { [`${f}.txt`]: `${f}\n` } }), {
          workspace,
        }),
      ),
    );
    for (const { status } of writers) assert.equal(status, { state: 'exited', exitCode: 0 }, 'both first tasks made (or found) the workspace');
    const reader = await run('ws-read', cat, reads, { workspace });
    assert.equal(reader.status, { state: 'exited', exitCode: 0 });
    assert.is(reader.logs.stdout, 'a\nb\n');
    const fresh = await factory.createScheduler(dataDir);
    const later = await run('ws-read-restarted', cat, reads, { workspace }, fresh).finally(() => fresh.close?.());
    assert.is(later.logs.stdout, 'a\nb\n', 'a new instance runs the task in the same workspace');
    const outsider = await run('ws-other', cat, reads, { workspace: other });
    assert.is(outsider.logs.stdout, '', 'another workspace id is another directory');
    assert.is.not(outsider.status.exitCode, 0);
    // The core's order: the run's containers first, then its workspace.
    for (const { schedulerId } of [...writers, reader, later, outsider]) await scheduler.removeContainer?.({ schedulerId });
    await scheduler.removeWorkspace(workspace);
    await scheduler.removeWorkspace(workspace);
    await scheduler.removeWorkspace(other);
    await scheduler.removeWorkspace({ id: `never-${tag}` });
    const after = await run('ws-after', cat, reads, { workspace });
    assert.is(after.logs.stdout, '', 'the files went with the workspace: the next first task makes a new, empty one');
    assert.is.not(after.status.exitCode, 0);
    await scheduler.removeContainer?.({ schedulerId: after.schedulerId });
    await scheduler.removeWorkspace(workspace);
  });

  test(`${name}: a workspace id outside [a-zA-Z0-9_-] is ERR_INVALID_ARGUMENT, for startContainer and removeWorkspace`, async () => {
    if (!scheduler.removeWorkspace) return;
    for (const id of ['../escape', 'a/b', '.', '']) {
      assert.is(await codeOf(scheduler.removeWorkspace({ id })), 'ERR_INVALID_ARGUMENT', JSON.stringify(id));
      assert.is(await codeOf(start(req('ws-invalid', 'true', { workspace: { id } }), () => ({ output: [] }))), 'ERR_INVALID_ARGUMENT', JSON.stringify(id));
    }
  });
}
