/**
 * <TaskTimeline>: a Gantt chart of a run's task executions. One row per task: a bar from when it
 * started to when it ended (still growing while it runs), placed on the run's time axis. Rows are
 * a list of links with their times in text, so the chart reads without seeing the bars.
 */
import type { TaskSpec } from '../api/pipeline-config';
import type { TaskExecution } from '../api/types';
import { useNow } from '../hooks/use-live';
import { useGofer } from '../provider/gofer-context';
import { elapsed, formatDuration } from './format';
import { kindLabel, StatusIcon, taskKind } from './status';

export interface TaskTimelineProps {
  pipelineId: string;
  runId: number;
  tasks: readonly TaskExecution[];
  /** Row order (the config's; a matrix task's combinations at its place); tasks without a spec follow. */
  specs?: readonly TaskSpec[];
}

export function TaskTimeline({ pipelineId, runId, tasks, specs = [] }: TaskTimelineProps) {
  const { Link, paths } = useGofer();
  const running = tasks.some((t) => t.state !== 'complete');
  const now = useNow(1000, running);
  const order = new Map(specs.map((s, i) => [s.id, i]));
  // A matrix combination sorts with its config task.
  const rank = (t: TaskExecution) => order.get(t.matrix?.taskId ?? t.taskId) ?? 1e9;
  const rows = [...tasks].sort((a, b) => rank(a) - rank(b) || (a.started ?? Infinity) - (b.started ?? Infinity));
  const starts = rows.map((t) => t.started).filter((v): v is number => v !== undefined);
  const origin = starts.length > 0 ? Math.min(...starts) : now;
  const end = Math.max(origin + 1000, ...rows.map((t) => (t.started !== undefined ? (t.ended ?? now) : origin)));
  const span = end - origin;

  if (rows.length === 0) return <p className="gofer-muted">No task has been created yet.</p>;
  return (
    <div className="gofer-ui gofer-timeline">
      <div className="gofer-timeline__axis" aria-hidden="true">
        <span>0 s</span>
        <span>{formatDuration(span / 2)}</span>
        <span>{formatDuration(span)}</span>
      </div>
      <ol className="gofer-timeline__rows" aria-label="Task executions over time">
        {rows.map((t) => {
          const kind = taskKind(t);
          const duration = elapsed(t.started, t.ended, now);
          const left = t.started !== undefined ? ((t.started - origin) / span) * 100 : 0;
          const width = duration !== undefined ? Math.max(0.5, (duration / span) * 100) : 0;
          const when = t.started === undefined ? 'did not start' : `started at +${formatDuration(t.started - origin)}, ran ${formatDuration(duration)}`;
          return (
            <li key={t.taskId} className="gofer-timeline__row">
              <span className="gofer-timeline__label">
                <StatusIcon kind={kind} />
                <Link href={paths.task(pipelineId, runId, t.taskId)}>{t.taskId}</Link>
                <span className="gofer-visually-hidden">
                  {' '}
                  {kindLabel(kind)}, {when}
                </span>
              </span>
              <span className="gofer-timeline__track" aria-hidden="true" title={`${t.taskId}: ${kindLabel(kind)}, ${when}`}>
                {t.started !== undefined && (
                  <span className={`gofer-timeline__bar gofer-timeline__bar--${kind}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
                )}
              </span>
              <span className="gofer-timeline__duration" aria-hidden="true">
                {duration !== undefined ? formatDuration(duration) : '–'}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
