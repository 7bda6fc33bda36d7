/** <RunsTable>: a pipeline's runs, newest first, a page at a time, updating live. */
import { useState } from 'react';
import type { Run } from '../api/types';
import { useRuns } from '../hooks/use-api';
import { useNow } from '../hooks/use-live';
import { useGofer } from '../provider/gofer-context';
import { elapsed, formatAgo, formatDuration, formatTime } from './format';
import { runKind, StatusBadge } from './status';

export interface RunsTableProps {
  pipelineId: string;
  pageSize?: number;
}

function initiatorOf(run: Run): string {
  const i = run.initiator;
  if (!i) return '–';
  return [i.kind, i.name].filter(Boolean).join(': ') || '–';
}

export function RunsTable({ pipelineId, pageSize = 20 }: RunsTableProps) {
  const { Link, paths } = useGofer();
  // The cursor of each page past the first: the last run id of the page before it (the API's
  // `before`), so page N costs one page however far back it is. One run more than a page tells
  // whether an older page exists.
  const [cursors, setCursors] = useState<number[]>([]);
  const page = cursors.length;
  const runs = useRuns(pipelineId, pageSize + 1, cursors.at(-1));
  const all = runs.data ?? [];
  const shown = all.slice(0, pageSize);
  const hasOlder = all.length > pageSize;
  const now = useNow(
    1000,
    shown.some((r) => r.state !== 'complete'),
  );

  if (runs.error)
    return (
      <p role="alert" className="gofer-ui gofer-error">
        {runs.error.message}
      </p>
    );
  if (runs.isPending) return <p className="gofer-ui gofer-muted">Loading runs…</p>;
  if (all.length === 0) return <p className="gofer-ui gofer-muted">No runs yet.</p>;
  const first = page * pageSize + 1;
  return (
    <div className="gofer-ui gofer-runs">
      <div className="gofer-table-wrap" role="region" aria-label={`Runs of ${pipelineId} table`} tabIndex={0}>
        <table className="gofer-table">
          <caption className="gofer-visually-hidden">
            Runs {first} to {first + shown.length - 1}, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Started by</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr key={run.runId} data-run-id={run.runId}>
                <th scope="row">
                  <Link href={paths.run(pipelineId, run.runId)}>#{run.runId}</Link>
                </th>
                <td>
                  <StatusBadge kind={runKind(run)} />
                </td>
                <td>
                  <span title={formatTime(run.started)}>{formatAgo(run.started, now)}</span>
                </td>
                <td>{formatDuration(elapsed(run.started, run.ended, now))}</td>
                <td>{initiatorOf(run)}</td>
                <td>{run.version ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(page > 0 || hasOlder) && (
        <nav className="gofer-pager" aria-label="Runs pages">
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))} disabled={page === 0}>
            Newer
          </button>
          <span>
            Runs {first}–{first + shown.length - 1}
          </span>
          <button type="button" onClick={() => setCursors([...cursors, shown.at(-1)!.runId])} disabled={!hasOlder}>
            Older
          </button>
        </nav>
      )}
    </div>
  );
}
