/** The last runs of a pipeline as a strip of status icons, oldest to newest, each a link. */
import { useRuns } from '../hooks/use-api';
import { useGofer } from '../provider/gofer-context';
import { kindLabel, runKind, StatusIcon } from './status';

export function RunStrip({ pipelineId, count = 10 }: { pipelineId: string; count?: number }) {
  const { Link, paths } = useGofer();
  const runs = useRuns(pipelineId, count);
  if (runs.error) return <span className="gofer-muted">runs unavailable</span>;
  if (runs.isPending) return <span className="gofer-muted">…</span>;
  const list = [...(runs.data ?? [])].reverse();
  if (list.length === 0) return <span className="gofer-muted">no runs</span>;
  return (
    <ol className="gofer-strip" aria-label={`Last ${list.length} runs of ${pipelineId}, oldest first`}>
      {list.map((run) => {
        const kind = runKind(run);
        return (
          <li key={run.runId} className={`gofer-strip__item gofer-strip__item--${kind}`}>
            <Link href={paths.run(pipelineId, run.runId)} aria-label={`Run ${run.runId}: ${kindLabel(kind)}`} title={`Run ${run.runId}: ${kindLabel(kind)}`}>
              <StatusIcon kind={kind} />
            </Link>
          </li>
        );
      })}
    </ol>
  );
}
