/**
 * A task's log, live: follows `GET .../logs?follow=true` (Server-Sent Events over fetch, with the
 * token in a header) into a LogBuffer, and re-renders at most once per animation frame however
 * fast lines arrive. The stream ends with the task's final record, which updates the cache. A
 * dropped stream is reopened; the service replays the log from its start, so the buffer restarts.
 * A task that does not exist yet (its run is still pending) is waited for.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { GoferApiError } from '../api/api-error';
import { openEventStream } from '../api/sse';
import type { TaskExecution } from '../api/types';
import { LogBuffer } from '../log/log-buffer';
import { useGofer } from '../provider/gofer-context';
import { keys } from './query-keys';

export type LogStatus = 'connecting' | 'waiting' | 'live' | 'complete' | 'reconnecting' | 'error';

export interface TaskLogState {
  buffer: LogBuffer;
  status: LogStatus;
  /** Increases whenever lines were added: views re-render on it. */
  version: number;
  error?: GoferApiError;
  /** The task's record sent with the end of the log. */
  final?: TaskExecution;
}

const RETRY_MS = [500, 1000, 2000, 5000];

export function useTaskLog(pipelineId: string, runId: number, taskId: string): TaskLogState {
  const { baseUrl, getToken, unauthorized } = useGofer();
  const qc = useQueryClient();
  const bufferRef = useRef<LogBuffer>(new LogBuffer());
  const [state, setState] = useState<Omit<TaskLogState, 'buffer'>>({ status: 'connecting', version: 0 });

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    let frame: number | undefined;
    let version = 0;
    const render = () => {
      frame = undefined;
      setState((s) => ({ ...s, version }));
    };
    const scheduleRender = () => {
      version += 1;
      // Background tabs run no animation frames: render on the next timer turn instead.
      if (frame === undefined) frame = document.hidden ? window.setTimeout(render, 250) : requestAnimationFrame(render);
    };

    void (async () => {
      for (let attempt = 0; !signal.aborted; attempt++) {
        bufferRef.current = new LogBuffer();
        setState((s) => ({ ...s, status: attempt === 0 ? 'connecting' : 'reconnecting', version: ++version }));
        try {
          const stream = await openEventStream({
            baseUrl,
            getToken,
            signal,
            onUnauthorized: unauthorized,
            path: `/api/pipelines/${encodeURIComponent(pipelineId)}/runs/${runId}/tasks/${encodeURIComponent(taskId)}/logs?follow=true`,
          });
          setState(({ error: _, ...s }) => ({ ...s, status: 'live' }));
          for await (const message of stream) {
            if (message.event === 'log') {
              bufferRef.current.append((JSON.parse(message.data) as { text: string }).text);
              scheduleRender();
            } else if (message.event === 'end') {
              const final = JSON.parse(message.data) as TaskExecution;
              bufferRef.current.finish();
              qc.setQueryData(keys.task(pipelineId, runId, taskId), final);
              setState({ status: 'complete', version: ++version, final });
              return;
            } else if (message.event === 'error') {
              throw new GoferApiError(500, 'ERR_HTTP', (JSON.parse(message.data) as { message?: string }).message ?? 'The log stream failed.');
            }
          }
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof GoferApiError && err.status === 404) {
            setState((s) => ({ ...s, status: 'waiting', error: err }));
          } else if (err instanceof GoferApiError && err.status >= 400 && err.status < 500) {
            setState((s) => ({ ...s, status: 'error', error: err }));
            return;
          }
        }
        if (signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
      }
    })();

    return () => {
      abort.abort();
      if (frame !== undefined) {
        cancelAnimationFrame(frame);
        clearTimeout(frame);
      }
    };
  }, [baseUrl, getToken, unauthorized, qc, pipelineId, runId, taskId]);

  return { ...state, buffer: bufferRef.current };
}

/** Downloads the raw log (secrets masked by the service) as a file. */
export function useDownloadLog(pipelineId: string, runId: number, taskId: string): () => Promise<void> {
  const { client } = useGofer();
  return async () => {
    const { data, error, response } = await client.GET('/api/pipelines/{pipelineId}/runs/{runId}/tasks/{taskId}/logs', {
      params: { path: { pipelineId, runId, taskId } },
      parseAs: 'blob',
    });
    if (error !== undefined || !response.ok || !data) throw GoferApiError.from(response.status, error);
    const url = URL.createObjectURL(new Blob([data], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${pipelineId}-run${runId}-${taskId}.log`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
}
