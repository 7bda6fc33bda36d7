/**
 * A scripted in-memory scheduler for tests of code that drives a scheduler (the core's
 * orchestrator tests use it; see also fakeSchedulerFactory for the contract suite).
 * Each task's behaviour is scripted by task id (the `gofer.task` label, else the request id):
 * exit code, output chunks, a delay, a start error, or "hang until stopped". Every request is
 * recorded. No timers run unless a script asks for a delay.
 *
 * **Outputs** (`readOutputs`): what a task "writes to `$GOFER_OUTPUT`" is its behaviour's
 * `goferOutput`, else the value of its variable `FAKE_OUTPUT` (so a pipeline config can declare
 * it: `variables: { FAKE_OUTPUT: 'VERSION=1.2\n' }`), else nothing (`readOutputs` answers
 * undefined). It is written when the task starts and stays until the container is removed.
 *
 * **Workspaces**: in memory, one map of file name to bytes per workspace id (`workspaces`),
 * made on the first start that names it. When a task starts, its `workspaceWrites` are written
 * into its request's workspace, then its `workspaceReads` are read and printed to stdout after
 * its `output`, each file's bytes in order, and one that is missing (or a task without a workspace)
 * prints a line on stderr and makes the task exit 1 unless `exitCode` says otherwise, as `cat`
 * would. `removeWorkspace` deletes the map and records the id in `removedWorkspaces`.
 */
import {
  GoferError,
  defineScheduler,
  systemClock,
  type Clock,
  type ClockTimer,
  type ContainerRef,
  type ContainerStatus,
  type LogChunk,
  type ReadOutputsRequest,
  type Scheduler,
  type SchedulerDefinition,
  type StartContainerRequest,
  type StopContainerRequest,
  type WorkspaceRef,
} from '@gofer/core/api';

/** How one task's container behaves. */
export interface FakeBehaviour {
  /** Exit code once done (default 0). */
  exitCode?: number;
  /** Output chunks, emitted in order at start (strings go to stdout). */
  output?: Array<string | Uint8Array | { stream: 'stdout' | 'stderr'; data: string | Uint8Array }>;
  /**
   * Finish this many ms after start (default: at once, on the next tick), on the fake's clock:
   * under `createTestGofer` that is its `FakeClock`, which only moves when the test advances it.
   */
  delayMs?: number;
  /** Run until stopped. */
  hang?: boolean;
  /** Ignore the graceful stop: only the forced kill after the stop timeout ends it. */
  ignoreGracefulStop?: boolean;
  /** startContainer rejects with this error. */
  startError?: Error;
  /**
   * What the task writes to `$GOFER_OUTPUT` (`KEY=value` lines), returned by `readOutputs`.
   * Default: the request's variable `FAKE_OUTPUT`, if any.
   */
  goferOutput?: string | Uint8Array;
  /** Files the task writes into the run's workspace when it starts (`name -> content`). */
  workspaceWrites?: Record<string, string | Uint8Array>;
  /** Files of the run's workspace the task prints to stdout, after `output` (see the file comment). */
  workspaceReads?: string[];
  /**
   * Per attempt (retries): entry n-1 is laid over the rest for the attempt whose
   * `GOFER_TASK_ATTEMPT` is n; attempts past the list use the behaviour without it.
   * `[{ exitCode: 1 }, { exitCode: 1 }]`: fails twice, then succeeds.
   */
  attempts?: Array<Omit<FakeBehaviour, 'attempts'>>;
}

/** One container of the fake: its request, state and output so far. */
export interface FakeContainer {
  schedulerId: string;
  request: StartContainerRequest;
  state: ContainerStatus['state'];
  exitCode?: number;
  chunks: LogChunk[];
  /** What the task wrote to `$GOFER_OUTPUT` (see {@link FakeBehaviour.goferOutput}). */
  goferOutput?: Uint8Array;
  ended: boolean;
  wake: Set<() => void>;
  timer?: ClockTimer;
}

const encoder = new TextEncoder();

/** An in-memory Scheduler scripted per task; it records every start and stop request. */
export class FakeScheduler implements Scheduler {
  readonly starts: StartContainerRequest[] = [];
  readonly stops: StopContainerRequest[] = [];
  readonly containers = new Map<string, FakeContainer>();
  /** The workspaces in use: id -> file name -> content. */
  readonly workspaces = new Map<string, Map<string, Uint8Array>>();
  /** Every `removeWorkspace` call's id, in order. */
  readonly removedWorkspaces: string[] = [];
  private readonly scripts = new Map<string, FakeBehaviour>();
  private counter = 0;
  closed = false;

  /** `clock`: whose time `delayMs` counts on (default the system clock). */
  constructor(
    private readonly defaults: FakeBehaviour = {},
    private readonly clock: Clock = systemClock,
  ) {}

  /** Scripts the behaviour of a task id (or a full request id). */
  script(taskId: string, behaviour: FakeBehaviour): this {
    this.scripts.set(taskId, behaviour);
    return this;
  }

  /** The requests made for a task id. */
  startsOf(taskId: string): StartContainerRequest[] {
    return this.starts.filter((r) => (r.labels['gofer.task'] ?? r.id) === taskId);
  }

  /** Makes a container disappear (as if removed behind Gofer's back). */
  vanish(schedulerId: string): void {
    const c = this.containers.get(schedulerId);
    if (!c) return;
    this.cancelTimer(c);
    this.containers.delete(schedulerId);
    this.end(c);
  }

  /** Finishes a hanging container with an exit code. */
  finish(schedulerId: string, exitCode = 0): void {
    const c = this.containers.get(schedulerId);
    if (c && c.state === 'running') this.exit(c, 'exited', exitCode);
  }

  async startContainer(req: StartContainerRequest): Promise<{ schedulerId: string }> {
    this.starts.push(structuredClone(req));
    const scripted: FakeBehaviour = { ...this.defaults, ...(this.scripts.get(req.labels['gofer.task'] ?? '') ?? this.scripts.get(req.id) ?? {}) };
    const attempt = Number(req.variables['GOFER_TASK_ATTEMPT'] ?? 1);
    const behaviour: FakeBehaviour = { ...scripted, ...(scripted.attempts?.[attempt - 1] ?? {}) };
    if (behaviour.startError) throw behaviour.startError;
    if (req.workspace) checkWorkspaceId(req.workspace);
    // Same request id: the leftover is replaced, as the contract says.
    for (const [id, c] of this.containers)
      if (c.request.id === req.id) {
        this.cancelTimer(c);
        this.containers.delete(id);
        this.end(c);
      }
    const schedulerId = `fake-${++this.counter}`;
    const goferOutput = behaviour.goferOutput ?? req.variables['FAKE_OUTPUT'];
    const { chunks, failed } = this.useWorkspace(req, behaviour);
    const container: FakeContainer = {
      schedulerId,
      request: req,
      state: 'running',
      chunks: [...(behaviour.output ?? []).map(toChunk), ...chunks],
      ...(goferOutput === undefined ? {} : { goferOutput: typeof goferOutput === 'string' ? encoder.encode(goferOutput) : goferOutput }),
      ended: false,
      wake: new Set(),
    };
    (container as FakeContainer & { behaviour: FakeBehaviour }).behaviour = behaviour;
    this.containers.set(schedulerId, container);
    if (!behaviour.hang) {
      const done = () => this.exit(container, 'exited', behaviour.exitCode ?? (failed ? 1 : 0));
      if (behaviour.delayMs) container.timer = this.clock.setTimeout(done, behaviour.delayMs);
      else setImmediate(done);
    }
    return { schedulerId };
  }

  async stopContainer(req: StopContainerRequest): Promise<void> {
    this.stops.push({ ...req });
    const c = this.containers.get(req.schedulerId);
    if (!c) throw new GoferError('ERR_NO_SUCH_CONTAINER', `no container ${req.schedulerId}`);
    if (c.state !== 'running') return;
    const behaviour = (c as FakeContainer & { behaviour: FakeBehaviour }).behaviour;
    // The stop timeout is the scheduler's pacing, not the pipeline's time: real time.
    if (behaviour.ignoreGracefulStop) await new Promise((r) => setTimeout(r, req.timeoutMs));
    this.cancelTimer(c);
    this.exit(c, 'cancelled', 137);
  }

  async getState(req: ContainerRef): Promise<ContainerStatus> {
    const c = this.containers.get(req.schedulerId);
    if (!c) throw new GoferError('ERR_NO_SUCH_CONTAINER', `no container ${req.schedulerId}`);
    return c.exitCode === undefined ? { state: c.state } : { state: c.state, exitCode: c.exitCode };
  }

  async getLogs(req: ContainerRef): Promise<AsyncIterable<LogChunk>> {
    const c = this.containers.get(req.schedulerId);
    if (!c) throw new GoferError('ERR_NO_SUCH_CONTAINER', `no container ${req.schedulerId}`);
    return (async function* () {
      let i = 0;
      for (;;) {
        while (i < c.chunks.length) yield c.chunks[i++]!;
        if (c.ended) return;
        await new Promise<void>((resolve) => c.wake.add(resolve));
      }
    })();
  }

  async listContainers(req: { labels: Record<string, string> }): Promise<Array<{ schedulerId: string; labels: Record<string, string> }>> {
    return [...this.containers.values()]
      .filter((c) => Object.entries(req.labels).every(([k, v]) => c.request.labels[k] === v))
      .map((c) => ({ schedulerId: c.schedulerId, labels: c.request.labels }));
  }

  async removeContainer(req: ContainerRef): Promise<void> {
    this.vanish(req.schedulerId);
  }

  /** The container's `goferOutput`, at most `maxBytes + 1` bytes of it; undefined when it wrote none. */
  async readOutputs(req: ReadOutputsRequest): Promise<Uint8Array | undefined> {
    const c = this.containers.get(req.schedulerId);
    if (!c) throw new GoferError('ERR_NO_SUCH_CONTAINER', `no container ${req.schedulerId}`);
    return c.goferOutput?.slice(0, req.maxBytes + 1);
  }

  /** Forgets the workspace and its files (recorded in `removedWorkspaces`); an unknown id is fine. */
  async removeWorkspace(req: WorkspaceRef): Promise<void> {
    checkWorkspaceId(req);
    this.removedWorkspaces.push(req.id);
    this.workspaces.delete(req.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.containers.values()) this.cancelTimer(c);
  }

  /** A definition that hands out this instance, for `createGofer({ plugins: [...] })`. */
  definition(name = 'fake'): SchedulerDefinition {
    return defineScheduler({ name, apiVersion: 1, create: () => this });
  }

  /** Makes the request's workspace on first use, writes the task's files, reads the ones it prints. */
  private useWorkspace(req: StartContainerRequest, behaviour: FakeBehaviour): { chunks: LogChunk[]; failed: boolean } {
    let files: Map<string, Uint8Array> | undefined;
    if (req.workspace) {
      files = this.workspaces.get(req.workspace.id);
      if (!files) this.workspaces.set(req.workspace.id, (files = new Map<string, Uint8Array>()));
    }
    const chunks: LogChunk[] = [];
    let failed = false;
    for (const [file, content] of Object.entries(behaviour.workspaceWrites ?? {})) {
      if (files) files.set(file, typeof content === 'string' ? encoder.encode(content) : content);
      else {
        chunks.push({ stream: 'stderr', data: encoder.encode(`fake: no workspace to write ${file} to\n`) });
        failed = true;
      }
    }
    for (const file of behaviour.workspaceReads ?? []) {
      const content = files?.get(file);
      if (content !== undefined) chunks.push({ stream: 'stdout', data: content });
      else {
        chunks.push({ stream: 'stderr', data: encoder.encode(`fake: ${file}: no such file in the workspace\n`) });
        failed = true;
      }
    }
    return { chunks, failed };
  }

  private exit(c: FakeContainer, state: 'exited' | 'cancelled', exitCode: number): void {
    c.state = state;
    c.exitCode = exitCode;
    this.end(c);
  }

  private cancelTimer(c: FakeContainer): void {
    if (c.timer) this.clock.clearTimeout(c.timer);
    c.timer = undefined;
  }

  private end(c: FakeContainer): void {
    c.ended = true;
    for (const wake of c.wake) wake();
    c.wake.clear();
  }
}

/** The contract's workspace ids, `[a-zA-Z0-9_-]`: anything else is ERR_INVALID_ARGUMENT, as in real schedulers. */
function checkWorkspaceId(ref: WorkspaceRef): void {
  if (!/^[a-zA-Z0-9_-]+$/.test(ref.id)) throw new GoferError('ERR_INVALID_ARGUMENT', `workspace id ${JSON.stringify(ref.id)} is not of [a-zA-Z0-9_-]`);
}

function toChunk(o: NonNullable<FakeBehaviour['output']>[number]): LogChunk {
  if (typeof o === 'string') return { stream: 'stdout', data: encoder.encode(o) };
  if (o instanceof Uint8Array) return { stream: 'stdout', data: o };
  return { stream: o.stream, data: typeof o.data === 'string' ? encoder.encode(o.data) : o.data };
}
