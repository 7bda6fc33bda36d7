/**
 * The documents the notify extension posts. They carry ids, statuses, times and a link: never a
 * variable, a log line or a secret value (a run's variables and logs may hold secrets).
 */
import type { Run } from '@gofer/core/api';
import type { NotifyRule } from './rules.js';

export interface Notification {
  type: 'run.failed' | 'run.recovered' | 'run.failing' | 'run.slow';
  pipelineId: string;
  runId: number;
  status: string;
  /** ISO times. */
  started: string;
  ended?: string;
  durationMs: number;
  failuresInARow: number;
  url?: string;
  text: string;
}

export function notification(rule: NotifyRule, run: Run, failuresInARow: number, now: number, publicUrl?: string): Notification {
  const url = publicUrl && `${publicUrl.replace(/\/+$/, '')}/pipelines/${encodeURIComponent(run.pipelineId)}/runs/${run.runId}`;
  const durationMs = (run.ended ?? now) - run.started;
  const minutes = Math.round(durationMs / 60_000);
  const took = durationMs < 60_000 ? `${Math.round(durationMs / 1000)} s` : `${minutes} min`;
  const name = `${run.pipelineId} run ${run.runId}`;
  const [type, text] =
    rule.on === 'failure'
      ? (['run.failed', `${name} failed after ${took}`] as const)
      : rule.on === 'recovery'
        ? (['run.recovered', `${name} succeeded: ${run.pipelineId} recovered`] as const)
        : rule.on === 'streak'
          ? (['run.failing', `${name} failed: ${failuresInARow} failures in a row`] as const)
          : (['run.slow', `${name} has been running for ${took} (longer than ${rule.longerThan})`] as const);
  return {
    type,
    pipelineId: run.pipelineId,
    runId: run.runId,
    status: run.status,
    started: new Date(run.started).toISOString(),
    ...(run.ended ? { ended: new Date(run.ended).toISOString() } : {}),
    durationMs,
    failuresInARow,
    ...(url ? { url } : {}),
    text,
  };
}

/** The body for the rule's format. */
export function render(format: NotifyRule['format'], n: Notification): unknown {
  if (format !== 'slack') return n;
  const link = n.url ? ` <${n.url}|open run>` : '';
  return { text: `${n.text}${link}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${n.text}*${link}` } }] };
}
