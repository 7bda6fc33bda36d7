/**
 * A task execution: status, exit code and reason, image, times, its matrix values, whether it may
 * fail, its `when` condition, its live log, its outputs, and its variables with their sources.
 */
import { Link } from 'wouter';
import { tasksOf } from '../../api/pipeline-config';
import { elapsed, formatDuration, formatTime } from '../../components/format';
import { OutputsTable } from '../../components/outputs-table';
import { reasonLabel, StatusBadge, taskKind } from '../../components/status';
import { TaskLog } from '../../components/task-log';
import { VariablesTable } from '../../components/variables-table';
import { usePipeline, useRun, useTask, useVersion } from '../../hooks/use-api';
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
  // The config task (a combination's matrix task) for what only the config says: its `when`.
  const run = useRun(pipelineId, runId);
  const version = useVersion(pipelineId, run.data?.version);
  const configId = t?.matrix?.taskId ?? taskId;
  const spec = version.data ? tasksOf(version.data.config).find((s) => s.id === configId) : undefined;
  const failedAllowed = t?.allowFailure === true && t.state === 'complete' && t.status !== 'successful' && t.status !== 'skipped';

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
              <span className="gofer-reason" data-reason={reason}>
                {' '}
                {reasonLabel(reason)}
                {t.statusReason?.description ? `: ${t.statusReason.description}` : ''}
              </span>
            )}
            {failedAllowed && <span className="gofer-reason"> (allowed: this task may fail without failing the run)</span>}
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
            {t.matrix && (
              <div data-fact="matrix">
                <dt>Matrix</dt>
                <dd>
                  <ul className="gofer-matrix-values" aria-label={`Combination of ${t.matrix.taskId}`}>
                    {Object.entries(t.matrix.values).map(([k, v]) => (
                      <li key={k}>
                        <code>
                          {k}={v}
                        </code>
                      </li>
                    ))}
                  </ul>
                  <span className="gofer-muted gofer-small">
                    one combination of <code>{t.matrix.taskId}</code>
                  </span>
                </dd>
              </div>
            )}
            {t.allowFailure && (
              <div data-fact="allow-failure">
                <dt>Failure</dt>
                <dd>may fail (allowFailure)</dd>
              </div>
            )}
            {spec?.when && (
              <div data-fact="when">
                <dt>Condition</dt>
                <dd>
                  runs when <code className="gofer-value">{spec.when}</code>
                </dd>
              </div>
            )}
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
      {t && (t.state === 'complete' || (t.outputs?.length ?? 0) > 0) && (
        <section aria-labelledby="outputs">
          <h2 id="outputs">Outputs</h2>
          <OutputsTable outputs={t.outputs} />
        </section>
      )}
      {t && (
        <section aria-labelledby="variables">
          <h2 id="variables">Variables</h2>
          <VariablesTable variables={t.variables} caption="Variables this task ran with" />
        </section>
      )}
    </>
  );
}
