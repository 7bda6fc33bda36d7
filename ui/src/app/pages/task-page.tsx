/** A task execution: status, exit code and reason, image, times, its live log, and its variables with their sources. */
import { Link } from 'wouter';
import { elapsed, formatDuration, formatTime } from '../../components/format';
import { StatusBadge, taskKind } from '../../components/status';
import { TaskLog } from '../../components/task-log';
import { VariablesTable } from '../../components/variables-table';
import { usePipeline, useTask } from '../../hooks/use-api';
import { useNow } from '../../hooks/use-live';
import { useGofer } from '../../provider/gofer-context';
import { ErrorNote, PageTitle } from '../page-title';

export default function TaskPage({ pipelineId, runId, taskId }: { pipelineId: string; runId: number; taskId: string }) {
  const { paths } = useGofer();
  const pipeline = usePipeline(pipelineId);
  const task = useTask(pipelineId, runId, taskId);
  const t = task.data;
  const now = useNow(1000, t !== undefined && t.state !== 'complete');
  const name = pipeline.data?.name ?? pipelineId;
  const reason = t?.statusReason?.reason;

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
          <li>
            <Link href={paths.run(pipelineId, runId)}>Run {runId}</Link>
          </li>
          <li aria-current="page">{taskId}</li>
        </ol>
      </nav>
      <PageTitle title={`${taskId} · run ${runId} of ${name}`}>
        Task <code>{taskId}</code>
      </PageTitle>
      <ErrorNote error={task.error} />
      {t && (
        <>
          <p className="gofer-run-status" data-task-status={taskKind(t)}>
            <StatusBadge kind={taskKind(t)} />
            {reason && (
              <span className="gofer-reason">
                {' '}
                {reason.replace(/_/g, ' ')}
                {t.statusReason?.description ? `: ${t.statusReason.description}` : ''}
              </span>
            )}
          </p>
          {t.approval && (
            <p className="gofer-approval" data-approval-state={t.approval.decision?.decision ?? 'waiting'}>
              Approval: <strong>{t.approval.message}</strong>{' '}
              {t.approval.decision
                ? `${t.approval.decision.decision.replace(/_/g, ' ')}${t.approval.decision.by ? ` by ${t.approval.decision.by.name}` : ''}${t.approval.decision.comment ? `: ${t.approval.decision.comment}` : ''}`
                : `waiting for a decision${t.approval.deadline ? ` until ${formatTime(t.approval.deadline)}` : ''} (gofer run approve|reject ${pipelineId} ${runId} ${taskId})`}
            </p>
          )}
          <dl className="gofer-facts">
            <div>
              <dt>Image</dt>
              <dd>
                <code>{t.image ?? '–'}</code>
              </dd>
            </div>
            <div>
              <dt>Exit code</dt>
              <dd>{t.exitCode ?? '–'}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{formatTime(t.created)}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(t.started)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd>{formatTime(t.ended)}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(elapsed(t.started, t.ended, now))}</dd>
            </div>
            {t.schedulerId && (
              <div>
                <dt>Scheduler id</dt>
                <dd>
                  <code>{t.schedulerId}</code>
                </dd>
              </div>
            )}
          </dl>
        </>
      )}
      <section aria-labelledby="log">
        <h2 id="log">Log</h2>
        <TaskLog pipelineId={pipelineId} runId={runId} taskId={taskId} />
      </section>
      {t && (
        <section aria-labelledby="variables">
          <h2 id="variables">Variables</h2>
          <VariablesTable variables={t.variables} caption="Variables this task ran with" />
        </section>
      )}
    </>
  );
}
