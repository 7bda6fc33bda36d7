/** A run: its task graph (live), a timeline of its task executions, variables, status reason and controls. */
import { useCallback } from 'react';
import { Link } from 'wouter';
import { elapsed, formatDuration, formatTime } from '../../components/format';
import { RunActions } from '../../components/run-actions';
import { RunGraphView } from '../../components/run-graph/run-graph';
import { reasonLabel, runKind, StatusBadge } from '../../components/status';
import { TaskTimeline } from '../../components/task-timeline';
import { VariablesTable } from '../../components/variables-table';
import { usePipeline } from '../../hooks/use-api';
import { useNow } from '../../hooks/use-live';
import { useRunView } from '../../hooks/use-run-view';
import { useGofer } from '../../provider/gofer-context';
import { ErrorNote, PageTitle } from '../page-title';

export default function RunPage({ pipelineId, runId }: { pipelineId: string; runId: number }) {
  const { paths } = useGofer();
  const pipeline = usePipeline(pipelineId);
  const view = useRunView(pipelineId, runId);
  const run = view.run;
  const now = useNow(1000, run !== undefined && run.state !== 'complete');
  const taskHref = useCallback((taskId: string) => paths.task(pipelineId, runId, taskId), [paths, pipelineId, runId]);
  const name = pipeline.data?.name ?? pipelineId;
  // A success with allowed failures names the tasks that did not succeed (allowFailure), each a link.
  const allowedFailures =
    run?.statusReason?.reason === 'allowed_failure'
      ? view.tasks.filter((t) => t.allowFailure && t.state === 'complete' && t.status !== 'successful' && t.status !== 'skipped')
      : [];

  return (
    <>
      <nav aria-label="Breadcrumb" className="gofer-breadcrumb">
        <ol>
          <li>
            <Link href={paths.pipelines()}>Pipelines</Link>
          </li>
          <li>
            <Link href={paths.pipeline(pipelineId)}>{name}</Link>
          </li>
          <li aria-current="page">Run {runId}</li>
        </ol>
      </nav>
      <PageTitle title={`Run ${runId} of ${name}`}>
        Run {runId} <span className="gofer-muted">of {name}</span>
      </PageTitle>
      <ErrorNote error={view.error} />
      {run && (
        <>
          <div className="gofer-run-head">
            <p className="gofer-run-status" data-run-status={runKind(run)}>
              {run.statusReason?.reason === 'allowed_failure' ? (
                <>
                  <StatusBadge kind={runKind(run)} label="Succeeded, with allowed failures" />
                  <span className="gofer-reason gofer-allowed-failures" data-reason="allowed_failure">
                    {': '}
                    {allowedFailures.length > 0
                      ? allowedFailures.map((t, i) => (
                          <span key={t.taskId}>
                            {i > 0 ? ', ' : ''}
                            <Link href={taskHref(t.taskId)}>{t.taskId}</Link> {t.status}
                          </span>
                        ))
                      : run.statusReason.description}
                    {allowedFailures.length > 0 && <span className="gofer-muted"> (allowFailure permits it)</span>}
                  </span>
                </>
              ) : (
                <>
                  <StatusBadge kind={runKind(run)} />
                  {run.statusReason?.reason && (
                    <span className="gofer-reason" data-reason={run.statusReason.reason}>
                      {' '}
                      {reasonLabel(run.statusReason.reason)}
                      {run.statusReason.description ? `: ${run.statusReason.description}` : ''}
                    </span>
                  )}
                </>
              )}
            </p>
            <RunActions run={run} />
          </div>
          <dl className="gofer-facts">
            <div>
              <dt>Started</dt>
              <dd>{formatTime(run.started)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd>{formatTime(run.ended)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(elapsed(run.started, run.ended, now))}</dd>
            </div>
            <div>
              <dt>Started by</dt>
              <dd>{[run.initiator?.kind, run.initiator?.name].filter(Boolean).join(': ') || '–'}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>{run.version ?? '–'}</dd>
            </div>
          </dl>
          <section aria-labelledby="graph">
            <h2 id="graph">Tasks</h2>
            {view.isPending ? (
              <p className="gofer-muted">Loading the task graph…</p>
            ) : (
              <RunGraphView specs={view.specs} tasks={view.tasks} taskHref={taskHref} label={`Task graph of run ${runId}`} />
            )}
          </section>
          <section aria-labelledby="timeline">
            <h2 id="timeline">Timeline</h2>
            <TaskTimeline pipelineId={pipelineId} runId={runId} tasks={view.tasks} specs={view.specs} />
          </section>
          <section aria-labelledby="variables">
            <h2 id="variables">Variables</h2>
            <VariablesTable variables={run.variables} caption="Runtime variables of this run" />
          </section>
        </>
      )}
    </>
  );
}
