/**
 * Keeps the query cache current from the live event stream: a task's state and status change in
 * the cache the moment its event arrives (views re-render at once), then the queries the event
 * touches are refetched, coalesced, so the cache converges on what the service stores.
 */
import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { GoferEvent, Run, TaskExecution, TaskState } from '../api/types';
import { keys } from '../hooks/query-keys';
import { useGofer } from './gofer-context';

type TaskReason = NonNullable<TaskExecution['statusReason']>['reason'];

// A retried task goes from running to retrying and back (issue 15): neither is before the other.
const TASK_ORDER: Record<TaskState, number> = { processing: 0, waiting: 1, running: 2, retrying: 2, complete: 3 };

/** A patch never moves a task backwards: an event older than the snapshot must not undo it. */
function patchTask(
  qc: QueryClient,
  event: GoferEvent,
  pipelineId: string,
  runId: number,
  taskId: string,
  patch: Partial<TaskExecution> & { state: TaskState },
): void {
  const apply = (t: TaskExecution): TaskExecution => (TASK_ORDER[patch.state] >= TASK_ORDER[t.state] ? { ...t, ...patch } : t);
  qc.setQueryData<TaskExecution[]>(keys.tasks(pipelineId, runId), (tasks) => {
    if (!tasks) return tasks;
    if (!tasks.some((t) => t.taskId === taskId))
      return [...tasks, { pipelineId, runId, taskId, image: '', status: 'unknown', variables: [], created: event.at, attempt: 1, ...patch }];
    return tasks.map((t) => (t.taskId === taskId ? apply(t) : t));
  });
  qc.setQueryData<TaskExecution>(keys.task(pipelineId, runId, taskId), (t) => (t ? apply(t) : t));
}

function patchRun(qc: QueryClient, pipelineId: string, runId: number, patch: Partial<Run>): void {
  const apply = (r: Run): Run => (r.state === 'complete' && patch.state !== 'complete' ? r : { ...r, ...patch });
  qc.setQueryData<Run>(keys.run(pipelineId, runId), (r) => (r ? apply(r) : r));
  for (const [key, runs] of qc.getQueriesData<Run[]>({ queryKey: keys.runsOf(pipelineId) })) {
    if (runs?.some((r) => r.runId === runId))
      qc.setQueryData<Run[]>(
        key,
        runs.map((r) => (r.runId === runId ? apply(r) : r)),
      );
  }
}

/** Refetches each touched query at most once per window, however many events touch it. */
function coalescer(qc: QueryClient, windowMs = 250) {
  const pending = new Map<string, QueryKey>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    touch(key: QueryKey) {
      pending.set(JSON.stringify(key), key);
      timer ??= setTimeout(() => {
        timer = undefined;
        const batch = [...pending.values()];
        pending.clear();
        for (const queryKey of batch) void qc.invalidateQueries({ queryKey });
      }, windowMs);
    },
    cancel() {
      if (timer) clearTimeout(timer);
    },
  };
}

export function applyEvent(qc: QueryClient, event: GoferEvent, touch: (key: QueryKey) => void): void {
  const p = event.payload as { pipelineId?: string; runId?: number; taskId?: string; status?: string; reason?: string; exitCode?: number };
  const { pipelineId, runId, taskId } = p;
  const type = event.type;
  if (type.startsWith('task.') && pipelineId && runId !== undefined && taskId) {
    if (type === 'task.created') patchTask(qc, event, pipelineId, runId, taskId, { state: 'processing' });
    else if (type === 'task.started') patchTask(qc, event, pipelineId, runId, taskId, { state: 'running', started: event.at });
    else if (type === 'task.completed')
      patchTask(qc, event, pipelineId, runId, taskId, {
        state: 'complete',
        status: (p.status ?? 'unknown') as TaskExecution['status'],
        ended: event.at,
        // The event names the reason only; the refetch that follows brings its description.
        ...(p.reason ? { statusReason: { reason: p.reason as TaskReason, description: '' } } : {}),
        ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}),
      });
    touch(keys.tasks(pipelineId, runId));
    touch(keys.task(pipelineId, runId, taskId));
    return;
  }
  if (type.startsWith('run.') && pipelineId && runId !== undefined) {
    if (type === 'run.started') patchRun(qc, pipelineId, runId, { state: 'running', started: event.at });
    else if (type === 'run.completed')
      patchRun(qc, pipelineId, runId, { state: 'complete', status: (p.status ?? 'unknown') as Run['status'], ended: event.at });
    touch(keys.run(pipelineId, runId));
    touch(keys.runsOf(pipelineId));
    return;
  }
  if (type.startsWith('pipeline.')) {
    touch(keys.pipelinesAll);
    if (pipelineId) {
      touch(keys.pipeline(pipelineId));
      touch(keys.versions(pipelineId));
    }
    return;
  }
  if (type.startsWith('subscription.')) touch(keys.subscriptionsAll);
  if (type === 'plugin.failed' || type === 'extension.crashed' || type.startsWith('subscription.')) {
    touch(keys.plugins);
    touch(keys.extensions);
  }
  if (type === 'object.evicted' && pipelineId) touch(keys.objects(pipelineId));
}

/** Rendered by the provider; renders nothing. */
export function LiveCacheUpdates() {
  const qc = useQueryClient();
  const { events } = useGofer();
  useEffect(() => {
    const batch = coalescer(qc);
    const unsubscribe = events.subscribe((event) => applyEvent(qc, event, (key) => batch.touch(key)));
    return () => {
      unsubscribe();
      batch.cancel();
    };
  }, [qc, events]);
  return null;
}
