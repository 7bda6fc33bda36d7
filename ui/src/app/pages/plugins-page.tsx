/** Plugins and trigger extensions: what was found, what runs, and why something failed to load. */
import { StatusBadge, type StatusKind } from '../../components/status';
import { useExtensions, usePlugins } from '../../hooks/use-api';
import { ErrorNote, PageTitle } from '../page-title';

const kindOf = (status: 'active' | 'loaded' | 'failed'): StatusKind => (status === 'failed' ? 'failed' : status === 'active' ? 'active' : 'pending');
const labelOf = (status: 'active' | 'loaded' | 'failed') => (status === 'failed' ? 'Failed' : status === 'active' ? 'Active' : 'Loaded');

export function PluginsPage() {
  const plugins = usePlugins();
  const extensions = useExtensions();
  return (
    <>
      <PageTitle title="Plugins">Plugins and extensions</PageTitle>
      <section aria-labelledby="plugins">
        <h2 id="plugins">Plugins</h2>
        <ErrorNote error={plugins.error} />
        <div className="gofer-table-wrap" role="region" aria-label="Plugins table" tabIndex={0}>
          <table className="gofer-table">
            <thead>
              <tr>
                <th scope="col">Plugin</th>
                <th scope="col">Kind</th>
                <th scope="col">Package</th>
                <th scope="col">Found by</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {(plugins.data ?? []).map((p) => (
                <tr key={`${p.kind}:${p.name}:${p.packageName ?? ''}`} data-plugin={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{p.kind}</td>
                  <td>
                    {p.packageName ?? '–'}
                    {p.version ? ` ${p.version}` : ''}
                  </td>
                  <td>{p.source}</td>
                  <td>
                    <StatusBadge kind={kindOf(p.status)} label={labelOf(p.status)} />
                    {p.error && (
                      <div className="gofer-error gofer-small">
                        <code>{p.error.code}</code> {p.error.message}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="extensions">
        <h2 id="extensions">Trigger extensions</h2>
        <ErrorNote error={extensions.error} />
        {extensions.isSuccess && extensions.data.length === 0 && <p className="gofer-muted">No trigger extension is installed.</p>}
        {(extensions.data ?? []).length > 0 && (
          <div className="gofer-table-wrap" role="region" aria-label="Trigger extensions table" tabIndex={0}>
            <table className="gofer-table">
              <thead>
                <tr>
                  <th scope="col">Extension</th>
                  <th scope="col">Status</th>
                  <th scope="col">Process</th>
                  <th scope="col">Subscriptions</th>
                </tr>
              </thead>
              <tbody>
                {(extensions.data ?? []).map((e) => (
                  <tr key={e.name} data-extension={e.name}>
                    <th scope="row">
                      {e.name}
                      {e.packageName && <div className="gofer-small gofer-muted">{e.packageName}</div>}
                    </th>
                    <td>
                      <StatusBadge kind={kindOf(e.status)} label={labelOf(e.status)} />
                      {e.error && (
                        <div className="gofer-error gofer-small">
                          <code>{e.error.code}</code> {e.error.message}
                        </div>
                      )}
                    </td>
                    <td>
                      {e.process ? (
                        <>
                          {e.process.state ?? '–'}
                          {e.process.pid !== undefined ? `, pid ${e.process.pid}` : ''}, {e.process.restarts ?? 0}{' '}
                          {e.process.restarts === 1 ? 'restart' : 'restarts'}
                          {e.process.lastExitCode !== undefined && e.process.lastExitCode !== null ? `, last exit ${e.process.lastExitCode}` : ''}
                        </>
                      ) : (
                        <span className="gofer-muted">in process</span>
                      )}
                    </td>
                    <td>
                      {e.subscriptions.active ?? 0} active
                      {e.subscriptions.error ? `, ${e.subscriptions.error} in error` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
