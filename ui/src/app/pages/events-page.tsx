/** Events: the newest stored ones, then every new one as it happens; filter by type. */
import { useCallback, useMemo, useState } from 'react';
import { Link } from 'wouter';
import type { GoferEvent } from '../../api/types';
import { formatTime } from '../../components/format';
import { useRecentEvents } from '../../hooks/use-api';
import { useGoferEvents, useLiveStatus } from '../../hooks/use-live';
import { useGofer } from '../../provider/gofer-context';
import { ErrorNote, PageTitle } from '../page-title';

/** The event types the core publishes (the API types `type` as a string); others seen are added. */
const KNOWN_TYPES = [
  'run.created',
  'run.started',
  'run.completed',
  'run.cancel_requested',
  'task.created',
  'task.started',
  'task.completed',
  'pipeline.registered',
  'pipeline.deployed',
  'pipeline.enabled',
  'pipeline.disabled',
  'pipeline.deleted',
  'subscription.created',
  'subscription.deleted',
  'subscription.failed',
  'extension.crashed',
  'plugin.failed',
  'object.evicted',
];
const KEEP = 1000;
const HISTORY = 100;

function Summary({ event }: { event: GoferEvent }) {
  const { paths } = useGofer();
  const p = event.payload;
  const pipelineId = typeof p.pipelineId === 'string' ? p.pipelineId : undefined;
  const runId = typeof p.runId === 'number' ? p.runId : undefined;
  const taskId = typeof p.taskId === 'string' ? p.taskId : undefined;
  const rest = Object.entries(p).filter(([k]) => !['pipelineId', 'runId', 'taskId'].includes(k));
  return (
    <>
      {pipelineId && (
        <Link
          href={
            taskId && runId !== undefined
              ? paths.task(pipelineId, runId, taskId)
              : runId !== undefined
                ? paths.run(pipelineId, runId)
                : paths.pipeline(pipelineId)
          }
        >
          {pipelineId}
          {runId !== undefined ? ` run ${runId}` : ''}
          {taskId ? ` task ${taskId}` : ''}
        </Link>
      )}
      {rest.map(([k, v]) => (
        <span key={k} className="gofer-event__field">
          {' '}
          {k}=<code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
        </span>
      ))}
    </>
  );
}

export function EventsPage() {
  const recent = useRecentEvents(HISTORY);
  const live = useLiveStatus();
  const [arrived, setArrived] = useState<GoferEvent[]>([]);
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const onEvent = useCallback((e: GoferEvent) => setArrived((list) => [...list.slice(-(KEEP - 1)), e]), []);
  useGoferEvents(onEvent);

  const all = useMemo(() => {
    const seen = new Set<number>();
    const out: GoferEvent[] = [];
    for (const e of [...(recent.data ?? []), ...arrived]) if (!seen.has(e.id) && seen.add(e.id)) out.push(e);
    return out.sort((a, b) => b.id - a.id);
  }, [recent.data, arrived]);
  const types = useMemo(() => [...new Set([...KNOWN_TYPES, ...all.map((e) => e.type)])], [all]);
  const shown = all.filter((e) => !hidden.has(e.type));
  const toggle = (type: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (next.has(type)) next.delete(type);
      else next.add(type);
      return next;
    });
  const groups = [...new Set(types.map((t) => t.split('.')[0]!))];

  return (
    <>
      <PageTitle title="Events">Events</PageTitle>
      <p className="gofer-muted">
        The newest {HISTORY} stored events, then each new one as it happens ({live === 'live' ? 'live' : 'the live stream is reconnecting'}). Newest first.
      </p>
      <fieldset className="gofer-type-filter">
        <legend>Show event types</legend>
        {groups.map((g) => (
          <div key={g} className="gofer-type-filter__group">
            {types
              .filter((t) => t.split('.')[0] === g)
              .map((t) => (
                <label key={t}>
                  <input type="checkbox" checked={!hidden.has(t)} onChange={() => toggle(t)} /> {t}
                </label>
              ))}
          </div>
        ))}
        <div className="gofer-actions">
          <button type="button" onClick={() => setHidden(new Set())}>
            All types
          </button>
          <button type="button" onClick={() => setHidden(new Set(types.filter((t) => !t.startsWith('run.') && !t.startsWith('task.'))))}>
            Runs and tasks only
          </button>
        </div>
      </fieldset>
      <ErrorNote error={recent.error} />
      <p role="status" className="gofer-muted">
        {shown.length} of {all.length} events shown
      </p>
      <div className="gofer-table-wrap" role="region" aria-label="Events table" tabIndex={0}>
        <table className="gofer-table gofer-events">
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">About</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id} data-event-id={e.id} data-event-type={e.type}>
                <td>{e.id}</td>
                <td>{formatTime(e.at)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>
                  <Summary event={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
