/**
 * The live view of `gofer run start --wait` / `gofer run watch` and of the demo: one line per
 * task state change and every log line as it is written (`[task] line`), then the run's
 * outcome. Task states are polled; logs are followed, one stream per started task. The view
 * reads through a {@link RunSource}: the HTTP API (CLI) or an embedded core (demo).
 */
import type { Gofer, Run, TaskExecution } from '../api/index.js';
import type { ApiClient } from './api-client.js';
import { seg } from './context.js';
import { duration, paint, statusStyle } from './output.js';

/** What the live view reads. */
export interface RunSource {
  run(): Promise<Run>;
  tasks(): Promise<TaskExecution[]>;
  /** Text chunks of a task's output (of one attempt, when given) until it completes. */
  followLogs(taskId: string, signal: AbortSignal, attempt?: number): AsyncIterable<string>;
}

/** Reads a run through the HTTP API (logs over Server-Sent Events). */
export function httpRunSource(client: ApiClient, pipelineId: string, runId: number): RunSource {
  const base = `/api/pipelines/${seg(pipelineId)}/runs/${runId}`;
  return {
    run: () => client.json<Run>('GET', base),
    tasks: async () => (await client.json<{ items: TaskExecution[] }>('GET', `${base}/tasks`)).items,
    async *followLogs(taskId, signal, attempt) {
      const which = attempt === undefined ? '' : `&attempt=${attempt}`;
      for await (const msg of client.sse(`${base}/tasks/${seg(taskId)}/logs?follow=true${which}`, signal)) {
        if (msg.event === 'log') yield (msg.data as { text: string }).text;
      }
    },
  };
}

/** Reads a run from an embedded core. */
export function coreRunSource(gofer: Gofer, pipelineId: string, runId: number): RunSource {
  return {
    run: () => gofer.runs.get(pipelineId, runId),
    tasks: () => gofer.tasks.list(pipelineId, runId),
    async *followLogs(taskId, signal, attempt) {
      const decoder = new TextDecoder();
      for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId, { follow: true, signal, ...(attempt === undefined ? {} : { attempt }) }))
        yield decoder.decode(chunk, { stream: true });
    },
  };
}

const POLL_MS = 250;

export interface LiveViewOptions {
  /** Where lines go (default stdout). */
  write?: (line: string) => void;
  /** Follow each task's logs (default true). */
  logs?: boolean;
  signal?: AbortSignal;
}

function describeTask(t: TaskExecution): string {
  // Attempts past the first are shown (retries), as is the wait before one.
  const attempt = (t.attempt ?? 1) > 1 ? `attempt ${t.attempt}` : '';
  // A gate says what it asks and how to answer: the run waits on a person.
  if (t.state === 'waiting_approval')
    return `${paint('yellow', 'waiting for approval')}: ${t.approval?.message ?? ''} (gofer run approve|reject ${t.pipelineId} ${t.runId} ${t.taskId})`;
  if (t.state === 'retrying')
    return `${paint(statusStyle(t.state), t.state)} (attempt ${t.attempt}${t.retryAt ? ` at ${new Date(t.retryAt).toISOString()}` : ''})`;
  if (t.state !== 'complete') return `${paint(statusStyle(t.state), t.state)}${attempt ? ` (${attempt})` : ''}`;
  if (t.approval?.decision?.by) {
    const d = t.approval.decision;
    return `${paint(statusStyle(t.status), t.status)} (${d.decision} by ${d.by!.name}${d.comment ? `: ${d.comment}` : ''})`;
  }
  const extra = [
    t.exitCode !== undefined ? `exit ${t.exitCode}` : '',
    t.statusReason ? t.statusReason.reason : '',
    attempt,
    t.carriedFrom ? `carried over from run #${t.carriedFrom.runId}` : '',
    t.allowFailure && t.status !== 'successful' && t.status !== 'skipped' ? 'allowed to fail' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${paint(statusStyle(t.status), t.status)}${extra ? ` (${extra})` : ''}`;
}

/** How long the view waits for a finished task's log stream to end. */
const LOG_GRACE_MS = 5000;

/** Resolves when `promise` settles or `ms` pass, whichever is first. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** Shows a run live until it completes; resolves with the completed run. */
export async function watchRun(source: RunSource, opts: LiveViewOptions = {}): Promise<Run> {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const seen = new Map<string, string>();
  const followers = new Map<string, Promise<void>>();
  const stopLogs = new AbortController();
  const width = { value: 8 };
  const logsOn = opts.logs ?? true;

  const follow = (taskId: string, attempt: number) => {
    const prefix = () => paint('grey', `[${taskId.padEnd(width.value)}]`);
    const signal = opts.signal ? AbortSignal.any([opts.signal, stopLogs.signal]) : stopLogs.signal;
    return (async () => {
      let partial = '';
      try {
        for await (const text of source.followLogs(taskId, signal, attempt > 1 ? attempt : undefined)) {
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) write(`${prefix()} ${line}`);
        }
      } catch {
        // Logs are best-effort in the live view; the task's state is still shown.
      }
      if (partial) write(`${prefix()} ${partial}`);
    })();
  };

  let run = await source.run();
  write(`${paint('bold', `Run #${run.runId}`)} of ${run.pipelineId} (version ${run.version}) ${paint(statusStyle(run.state), run.state)}`);
  let waitingShown: string | undefined;
  for (;;) {
    // A run held back by its concurrency group says so (once per change of the reason).
    if (run.waiting && run.waiting.description !== waitingShown) write(`${paint('grey', run.waiting.description)}`);
    waitingShown = run.waiting?.description;
    const tasks = await source.tasks();
    width.value = Math.max(width.value, ...tasks.map((t) => t.taskId.length));
    // Changes in the order they happened, so a failure branch shows after the failure.
    const changedAt = (t: TaskExecution) => t.ended ?? t.started ?? t.created;
    for (const t of [...tasks].sort((a, b) => changedAt(a) - changedAt(b))) {
      const shown = describeTask(t);
      const before = seen.get(t.taskId);
      const ran = t.state === 'complete' && t.started !== undefined && t.kind !== 'approval';
      if (before !== shown) {
        // A short task can start and end between two polls: still show that it ran.
        const running = describeTask({ ...t, state: 'running' });
        if (ran && before !== running) write(`${paint('bold', t.taskId.padEnd(width.value))}  ${running}`);
        // One log stream per attempt: a retry's output follows the attempt before it.
        const key = `${t.taskId}#${t.attempt ?? 1}`;
        if (ran && logsOn) {
          // A task's output comes before its verdict: its log stream ends once it completed.
          if (!followers.has(key)) followers.set(key, follow(t.taskId, t.attempt ?? 1));
          await within(followers.get(key)!, LOG_GRACE_MS);
        }
        seen.set(t.taskId, shown);
        write(`${paint('bold', t.taskId.padEnd(width.value))}  ${shown}`);
      }
      const key = `${t.taskId}#${t.attempt ?? 1}`;
      if (logsOn && !followers.has(key) && (t.state === 'running' || ran)) {
        followers.set(key, follow(t.taskId, t.attempt ?? 1));
      }
    }
    run = await source.run();
    if (run.state === 'complete' || opts.signal?.aborted) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  // Log streams end when their task completes; do not hang on one that lingers.
  const grace = setTimeout(() => stopLogs.abort(), LOG_GRACE_MS);
  await Promise.all(followers.values());
  clearTimeout(grace);
  const reason = run.statusReason ? `: ${run.statusReason.description || run.statusReason.reason}` : '';
  write(`${paint('bold', `Run #${run.runId}`)} ${paint(statusStyle(run.status), run.status)}${reason} in ${duration(run.started, run.ended)}`);
  return run;
}
