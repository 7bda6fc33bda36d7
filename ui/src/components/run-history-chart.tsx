/**
 * The last runs' durations and outcomes: one bar per run, oldest on the left, its height the
 * run's duration and its colour and glyph its outcome. The same figures are in a table for
 * screen readers.
 */
import type { Run } from '../api/types';
import { useRuns } from '../hooks/use-api';
import { useNow } from '../hooks/use-live';
import { elapsed, formatDuration } from './format';
import { kindLabel, runKind, type StatusKind } from './status';

const GLYPH: Partial<Record<StatusKind, string>> = { successful: '✓', failed: '✗', cancelled: '⊘', running: '…', pending: '…' };
const WIDTH = 640;
const HEIGHT = 160;
const TOP = 18;

export function RunHistoryChart({ pipelineId, count = 30 }: { pipelineId: string; count?: number }) {
  const runs = useRuns(pipelineId, count);
  const list: Run[] = [...(runs.data ?? [])].reverse();
  const now = useNow(
    1000,
    list.some((r) => r.state !== 'complete'),
  );
  if (runs.isPending || runs.error || list.length === 0) return null;
  const durations = list.map((r) => elapsed(r.started, r.ended, now) ?? 0);
  const max = Math.max(1, ...durations);
  const slot = WIDTH / Math.max(list.length, 10);
  const barWidth = Math.max(4, slot * 0.7);
  const counts = new Map<StatusKind, number>();
  for (const r of list) counts.set(runKind(r), (counts.get(runKind(r)) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${n} ${kindLabel(k).toLowerCase()}`).join(', ');

  return (
    <figure className="gofer-ui gofer-chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + TOP}`}
        role="img"
        aria-label={`Durations of the last ${list.length} runs: ${summary}; longest ${formatDuration(max)}.`}
      >
        <line x1="0" x2={WIDTH} y1={HEIGHT + TOP} y2={HEIGHT + TOP} className="gofer-chart__axis" />
        {list.map((run, i) => {
          const kind = runKind(run);
          const h = Math.max(2, (durations[i]! / max) * (HEIGHT - 4));
          const x = i * slot + (slot - barWidth) / 2;
          return (
            <g key={run.runId} className={`gofer-chart__bar gofer-chart__bar--${kind}`}>
              <title>{`Run ${run.runId}: ${kindLabel(kind)}, ${formatDuration(durations[i])}`}</title>
              <rect x={x} y={HEIGHT + TOP - h} width={barWidth} height={h} rx="2" />
              <text x={x + barWidth / 2} y={HEIGHT + TOP - h - 4} textAnchor="middle" className="gofer-chart__glyph">
                {GLYPH[kind] ?? '?'}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        Last {list.length} runs, oldest on the left: bar height is the duration (longest {formatDuration(max)}); ✓ successful, ✗ failed, ⊘ cancelled, … running.
      </figcaption>
      <table className="gofer-visually-hidden">
        <caption>Durations of the last runs</caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {list.map((run, i) => (
            <tr key={run.runId}>
              <td>{run.runId}</td>
              <td>{kindLabel(runKind(run))}</td>
              <td>{formatDuration(durations[i])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
