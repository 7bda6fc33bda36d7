/** <PipelineList>: every pipeline the token may see, with namespace, state and last runs; search and a namespace filter. */
import { useDeferredValue, useId, useState } from 'react';
import { useNamespaces, usePipelines } from '../hooks/use-api';
import { useGofer } from '../provider/gofer-context';
import { RunStrip } from './run-strip';
import { StatusBadge } from './status';

export interface PipelineListProps {
  /** Start filtered to one namespace. */
  namespace?: string;
}

export function PipelineList({ namespace: initialNamespace }: PipelineListProps) {
  const { Link, paths } = useGofer();
  const [namespace, setNamespace] = useState(initialNamespace ?? '');
  const [search, setSearch] = useState('');
  const query = useDeferredValue(search.trim().toLowerCase());
  const pipelines = usePipelines(namespace || undefined);
  const namespaces = useNamespaces();
  const searchId = useId();
  const nsId = useId();

  const shown = (pipelines.data ?? []).filter(
    (p) => !query || p.pipelineId.toLowerCase().includes(query) || p.name.toLowerCase().includes(query) || (p.description ?? '').toLowerCase().includes(query),
  );

  return (
    <div className="gofer-ui gofer-pipelines">
      <div className="gofer-filters" role="search">
        <div className="gofer-field">
          <label htmlFor={searchId}>Search pipelines</label>
          <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="id, name or description" />
        </div>
        <div className="gofer-field">
          <label htmlFor={nsId}>Namespace</label>
          <select id={nsId} value={namespace} onChange={(e) => setNamespace(e.target.value)}>
            <option value="">All namespaces</option>
            {(namespaces.data ?? []).map((n) => (
              <option key={n.namespaceId} value={n.namespaceId}>
                {n.namespaceId}
              </option>
            ))}
          </select>
        </div>
      </div>
      {pipelines.error ? (
        <p role="alert" className="gofer-error">
          {pipelines.error.message}
        </p>
      ) : pipelines.isPending ? (
        <p className="gofer-muted">Loading pipelines…</p>
      ) : shown.length === 0 ? (
        <p className="gofer-muted">
          {(pipelines.data ?? []).length === 0 ? 'No pipelines yet. Register one with `gofer pipeline create <file>`.' : 'No pipeline matches.'}
        </p>
      ) : (
        <div className="gofer-table-wrap" role="region" aria-label="Pipelines table" tabIndex={0}>
          <table className="gofer-table">
            <caption className="gofer-visually-hidden">
              {shown.length} {shown.length === 1 ? 'pipeline' : 'pipelines'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Pipeline</th>
                <th scope="col">Namespace</th>
                <th scope="col">State</th>
                <th scope="col">Last runs</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.pipelineId} data-pipeline-id={p.pipelineId}>
                  <th scope="row">
                    <Link href={paths.pipeline(p.pipelineId)}>{p.name}</Link>
                    <div className="gofer-muted gofer-small">
                      <code>{p.pipelineId}</code>
                    </div>
                  </th>
                  <td>{p.namespace}</td>
                  <td>
                    <StatusBadge kind={p.state} />
                  </td>
                  <td>
                    <RunStrip pipelineId={p.pipelineId} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
