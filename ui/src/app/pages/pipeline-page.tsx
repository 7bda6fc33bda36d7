/** A pipeline: its state and versions (deploy one), subscriptions, a start-run form, its runs and their history. */
import { useLocation } from 'wouter';
import { tasksOf } from '../../api/pipeline-config';
import { formatTime } from '../../components/format';
import { RunHistoryChart } from '../../components/run-history-chart';
import { RunsTable } from '../../components/runs-table';
import { StartRunForm } from '../../components/start-run-form';
import { StatusBadge } from '../../components/status';
import { useDeployVersion, usePipeline, useSetPipelineEnabled, useSubscriptions, useVersions } from '../../hooks/use-api';
import { useGofer } from '../../provider/gofer-context';
import { ErrorNote, PageTitle } from '../page-title';

export function PipelinePage({ pipelineId }: { pipelineId: string }) {
  const pipeline = usePipeline(pipelineId);
  const { paths } = useGofer();
  const [, navigate] = useLocation();
  const p = pipeline.data;
  return (
    <>
      <PageTitle title={p?.name ?? pipelineId}>{p?.name ?? pipelineId}</PageTitle>
      <ErrorNote error={pipeline.error} />
      {p && (
        <>
          <dl className="gofer-facts">
            <div>
              <dt>Id</dt>
              <dd>
                <code>{p.pipelineId}</code>
              </dd>
            </div>
            <div>
              <dt>Namespace</dt>
              <dd>{p.namespace}</dd>
            </div>
            <div>
              <dt>State</dt>
              <dd>
                <StatusBadge kind={p.state} /> <EnableToggle pipelineId={pipelineId} active={p.state === 'active'} />
              </dd>
            </div>
            <div>
              <dt>Live version</dt>
              <dd>
                {p.liveVersion} of {p.latestVersion}
              </dd>
            </div>
          </dl>
          {p.description && <p>{p.description}</p>}
          <div className="gofer-columns">
            <section aria-labelledby="start-run">
              <h2 id="start-run" className="gofer-visually-hidden">
                Start a run
              </h2>
              <StartRunForm pipelineId={pipelineId} disabled={p.state !== 'active'} onStarted={(run) => navigate(paths.run(pipelineId, run.runId))} />
            </section>
            <section aria-labelledby="history">
              <h2 id="history">Recent runs</h2>
              <RunHistoryChart pipelineId={pipelineId} />
            </section>
          </div>
          <section aria-labelledby="runs">
            <h2 id="runs">Runs</h2>
            <RunsTable pipelineId={pipelineId} />
          </section>
          <Versions pipelineId={pipelineId} live={p.liveVersion} />
          <Subscriptions pipelineId={pipelineId} />
        </>
      )}
    </>
  );
}

function EnableToggle({ pipelineId, active }: { pipelineId: string; active: boolean }) {
  const toggle = useSetPipelineEnabled(pipelineId);
  return (
    <>
      <button type="button" className="gofer-button gofer-button--quiet" onClick={() => toggle.mutate(!active)} disabled={toggle.isPending}>
        {active ? 'Disable' : 'Enable'}
      </button>
      <ErrorNote error={toggle.error} />
    </>
  );
}

function Versions({ pipelineId, live }: { pipelineId: string; live: number }) {
  const versions = useVersions(pipelineId);
  const deploy = useDeployVersion(pipelineId);
  const list = [...(versions.data ?? [])].reverse();
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Versions</h2>
      <ErrorNote error={versions.error ?? deploy.error} />
      {list.length > 0 && (
        <div className="gofer-table-wrap" role="region" aria-label="Versions table" tabIndex={0}>
          <table className="gofer-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Registered</th>
                <th scope="col">Tasks</th>
                <th scope="col">Deployment</th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{v.version}</th>
                  <td>{formatTime(v.created)}</td>
                  <td>{tasksOf(v.config).length}</td>
                  <td>
                    {v.version === live ? (
                      <StatusBadge kind="active" label="Live" />
                    ) : (
                      <button type="button" className="gofer-button" onClick={() => deploy.mutate(v.version)} disabled={deploy.isPending}>
                        Deploy version {v.version}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Subscriptions({ pipelineId }: { pipelineId: string }) {
  const subs = useSubscriptions(pipelineId);
  const list = subs.data ?? [];
  return (
    <section aria-labelledby="subscriptions">
      <h2 id="subscriptions">Subscriptions</h2>
      <ErrorNote error={subs.error} />
      {subs.isSuccess && list.length === 0 && (
        <p className="gofer-muted">
          No trigger extension starts this pipeline. Subscribe one with <code>gofer subscription create</code>.
        </p>
      )}
      {list.length > 0 && (
        <div className="gofer-table-wrap" role="region" aria-label="Subscriptions table" tabIndex={0}>
          <table className="gofer-table">
            <thead>
              <tr>
                <th scope="col">Extension</th>
                <th scope="col">Label</th>
                <th scope="col">Settings</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.subscriptionId}>
                  <th scope="row">{s.extension}</th>
                  <td>{s.label}</td>
                  <td>
                    {Object.entries(s.settings ?? {}).length === 0 ? (
                      <span className="gofer-muted">none</span>
                    ) : (
                      <ul className="gofer-plain-list">
                        {Object.entries(s.settings ?? {}).map(([k, v]) => (
                          <li key={k}>
                            <code>{k}</code> = <code>{v}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    <StatusBadge kind={s.status === 'active' ? 'active' : 'failed'} label={s.status === 'active' ? 'Active' : 'Error'} />
                    {s.statusReason && <div className="gofer-small gofer-muted">{s.statusReason}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
