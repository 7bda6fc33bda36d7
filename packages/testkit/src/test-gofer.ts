/**
 * `createTestGofer`: a Gofer core in memory (`dataDir: ':memory:'`, nothing on disk) on a
 * scripted {@link FakeScheduler}, so a pipeline's DAG, variables and failure branches can be
 * unit-tested in milliseconds without Docker or processes. Built on `createGofer` alone.
 *
 * No fake clock: the core takes no clock to inject, and the fake finishes tasks on the next tick
 * (or after `delayMs`), so tests wait on runs, never on time.
 */
import { createGofer } from '@gofer/core';
import type { Gofer, GoferConfigFile, PluginDefinition, Run, StartRunOptions, TaskExecution } from '@gofer/core/api';
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
  const scheduler = new FakeScheduler(options.defaults);
  for (const [taskId, behaviour] of Object.entries(options.tasks ?? {})) scheduler.script(taskId, behaviour);
  const log = memoryLogger();
  const gofer = await createGofer({
    useEnv: false,
    logger: log,
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
