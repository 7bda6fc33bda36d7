/**
 * `createTestGofer`: a Gofer core in memory (`dataDir: ':memory:'`, nothing on disk) on a
 * scripted {@link FakeScheduler}, so a pipeline's DAG, variables and failure branches can be
 * unit-tested in milliseconds without Docker or processes. Built on `createGofer` alone.
 *
 * Time is a {@link FakeClock} (unless `options.clock` says otherwise): the core's recorded times,
 * the tasks' `timeoutMs` and the fake's `delayMs` are on it, and it moves only when the test calls
 * `clock.advance(ms)`. A task with no delay ends on the next tick, so most tests never touch it.
 */
import { createGofer } from '@gofer/core';
import type { Gofer, GoferConfigFile, PluginDefinition, Run, StartRunOptions, TaskExecution } from '@gofer/core/api';
import { FakeClock } from './fake-clock.js';
import { FakeScheduler, type FakeBehaviour } from './fake-scheduler.js';
import { memoryLogger, type MemoryLogger } from './plugin-context.js';

/** What {@link createTestGofer} takes; everything is optional. */
export interface TestGoferOptions {
  /** Behaviour per task id: exit code, output, start error, hang until cancelled, delay. */
  tasks?: Record<string, FakeBehaviour>;
  /** Behaviour of tasks not named in `tasks` (default: exit 0 at once, no output). */
  defaults?: FakeBehaviour;
  /** Config values over the test defaults (in memory, scheduler "fake", no plugin discovery). */
  config?: GoferConfigFile;
  /** More plugins (extensions) to hand in; the fake scheduler is always added. */
  plugins?: PluginDefinition[];
  /** The clock of the core and the fake scheduler: default a new {@link FakeClock} at 2026-01-01T00:00:00Z. */
  clock?: FakeClock;
}

/** A finished run with its tasks by id, as {@link TestGofer.run} answers. */
export interface TestRunResult {
  run: Run;
  tasks: Record<string, TaskExecution>;
}

/** A Gofer core for tests: the whole public API, plus the fake scheduler and helpers. */
export interface TestGofer extends Gofer {
  /** The fake the core runs tasks on: script more tasks (`script(id, behaviour)`), read `starts`. */
  readonly scheduler: FakeScheduler;
  /** The core's log lines (nothing is printed). */
  readonly log: MemoryLogger;
  /**
   * The clock the core and the fake run on: after starting a run, `await clock.whenPending()`
   * (the task's timer is set), then `await clock.advance(ms)` moves time past its timeout.
   */
  readonly clock: FakeClock;
  /** Starts a run of the live version, waits until it is complete, and returns it with its tasks. */
  run(pipelineId: string, opts?: StartRunOptions): Promise<TestRunResult>;
  /** A task's stored output as text (stdout and stderr in order). */
  logsOf(pipelineId: string, runId: number, taskId: string): Promise<string>;
}

/** The name the fake scheduler is registered under. */
const FAKE = 'fake';

/**
 * Starts an in-memory Gofer on a fake scheduler scripted by `options.tasks`. Close it with
 * `close()` when the test ends (it holds no files, but the fake's timers and the core's stay).
 */
export async function createTestGofer(options: TestGoferOptions = {}): Promise<TestGofer> {
  const clock = options.clock ?? new FakeClock();
  const scheduler = new FakeScheduler(options.defaults, clock);
  for (const [taskId, behaviour] of Object.entries(options.tasks ?? {})) scheduler.script(taskId, behaviour);
  const log = memoryLogger();
  const gofer = await createGofer({
    useEnv: false,
    logger: log,
    clock,
    plugins: [scheduler.definition(FAKE), ...(options.plugins ?? [])],
    // A short stop timeout: the fake ends a cancelled task at once unless told to ignore the stop.
    config: { dataDir: ':memory:', scheduler: FAKE, discover: false, stopTimeoutMs: 50, ...options.config },
  });
  const decoder = new TextDecoder();
  return {
    config: gofer.config,
    logger: gofer.logger,
    plugins: gofer.plugins,
    pipelines: gofer.pipelines,
    runs: gofer.runs,
    tasks: gofer.tasks,
    secrets: gofer.secrets,
    objects: gofer.objects,
    events: gofer.events,
    subscriptions: gofer.subscriptions,
    extensions: gofer.extensions,
    reapOrphans: () => gofer.reapOrphans(),
    close: () => gofer.close(),
    scheduler,
    log,
    clock,
    async run(pipelineId, opts) {
      const started = await gofer.runs.start(pipelineId, opts);
      const run = await gofer.runs.wait(pipelineId, started.runId);
      const tasks = Object.fromEntries((await gofer.tasks.list(pipelineId, run.runId)).map((t) => [t.taskId, t]));
      return { run, tasks };
    },
    async logsOf(pipelineId, runId, taskId) {
      let text = '';
      for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId)) text += decoder.decode(chunk, { stream: true });
      return text + decoder.decode();
    },
  };
}
