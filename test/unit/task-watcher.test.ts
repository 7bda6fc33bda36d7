/**
 * The task watcher against a scheduler whose getState misbehaves: a call that never answers
 * (an engine seen to hang a request while it restarted) counts as a failed attempt and is
 * retried, so the task still ends with the container's real state.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock, type ContainerStatus, type LogChunk, type Scheduler } from '@gofer/core/api';
import { createLogger } from '../../core/src/kernel/logger.js';
import { LogWriteFailedError, type LogWriter } from '../../core/src/logs/log-store.js';
import { TaskWatcher, type TaskOutcome } from '../../core/src/tasks/task-watcher.js';

/** A scheduler whose container has already ended; getState answers per `answers`, in order. */
function schedulerWith(answers: Array<'hang' | 'fail' | ContainerStatus>): Scheduler & { stateCalls: number } {
  const s = {
    stateCalls: 0,
    async startContainer() {
      throw new Error('not used');
    },
    async stopContainer() {},
    async getLogs(): Promise<AsyncIterable<LogChunk>> {
      return (async function* () {
        yield { stream: 'stdout' as const, data: Buffer.from('done\n') };
      })();
    },
    getState(): Promise<ContainerStatus> {
      const answer = answers[Math.min(s.stateCalls++, answers.length - 1)]!;
      if (answer === 'hang') return new Promise(() => {});
      if (answer === 'fail') return Promise.reject(new Error('connect ECONNREFUSED /var/run/docker.sock'));
      return Promise.resolve(answer);
    },
  };
  return s;
}

function watch(scheduler: Scheduler, writer: LogWriter = { write() {}, close() {} }): Promise<TaskOutcome | undefined> {
  return new TaskWatcher({
    scheduler,
    schedulerId: 'c1',
    signal: new AbortController().signal,
    stopTimeoutMs: 1000,
    timeoutMs: 0,
    startedAt: Date.now(),
    clock: systemClock,
    openWriter: () => writer,
    secretValues: [],
    reattach: false,
    logger: createLogger('silent'),
    stateDeadlineMs: 20,
  }).run();
}

/** Fails the test instead of hanging the file when the watcher never ends. */
function orHang<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the watcher never ended')), 20_000).unref())]);
}

test('a getState call that never answers is retried: the task ends with the real exit code', async () => {
  const scheduler = schedulerWith(['hang', 'hang', { state: 'exited', exitCode: 3 }]);
  const outcome = await orHang(watch(scheduler));
  assert.is(outcome?.status, 'failed');
  assert.is(outcome?.exitCode, 3);
  assert.is(outcome?.reason?.reason, 'abnormal_exit');
  assert.is(scheduler.stateCalls, 3);
});

test('a scheduler that never answers getState: the task ends unknown (orphaned) instead of waiting forever', async () => {
  const scheduler = schedulerWith(['hang']);
  const outcome = await orHang(watch(scheduler));
  assert.is(outcome?.status, 'unknown');
  assert.is(outcome?.reason?.reason, 'orphaned');
  assert.is(scheduler.stateCalls, 8, 'every attempt was made');
});

test('failures then an answer: the answer wins', async () => {
  const scheduler = schedulerWith(['fail', 'hang', 'fail', { state: 'exited', exitCode: 0 }]);
  const outcome = await orHang(watch(scheduler));
  assert.is(outcome?.status, 'successful');
});

test('the log cannot be written (disk full): the container is stopped, the task fails with log_write_failed', async () => {
  const scheduler = schedulerWith([{ state: 'exited', exitCode: 137 }]);
  let stops = 0;
  scheduler.stopContainer = async () => {
    stops++;
  };
  let closed = false;
  const writer: LogWriter = {
    write() {
      throw new LogWriteFailedError('writing the task output failed (ENOSPC: no space left on device)');
    },
    close() {
      closed = true;
    },
  };
  const outcome = await orHang(watch(scheduler, writer));
  assert.is(outcome?.status, 'failed');
  assert.is(outcome?.reason?.reason, 'log_write_failed');
  assert.match(outcome!.reason!.description, 'ENOSPC');
  assert.is(outcome?.logsComplete, false, 'the container is kept: the engine still has the output');
  assert.is(stops, 1, 'the container was stopped');
  assert.ok(closed, 'the writer was closed');
});

test.run();
