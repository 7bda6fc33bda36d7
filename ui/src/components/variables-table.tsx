/** Variables as a table: key, value and (for a task) where the value came from. */
import type { TaskVariable } from '../api/types';

const SOURCE_LABEL: Record<TaskVariable['source'], string> = {
  pipeline_config: 'pipeline config',
  matrix: 'matrix (this combination)',
  run_options: 'run (runtime variable)',
  system: 'system',
  scheduler_secret: 'scheduler secret',
};

/** Where the value really came from, beside its source: the scheduler's secret location, or the stores substituted in. */
function origin(v: { location?: string; valueFrom?: ReadonlyArray<{ store: string; key: string }> }): string {
  if (v.location !== undefined) return ` (${v.location})`;
  if (v.valueFrom?.length) return ` (${v.valueFrom.map((f) => `${f.store}{{${f.key}}}`).join(', ')})`;
  return '';
}

function isTaskVariables(v: Record<string, string> | readonly TaskVariable[] | undefined): v is readonly TaskVariable[] {
  return Array.isArray(v);
}

export function VariablesTable({ variables, caption }: { variables: Record<string, string> | readonly TaskVariable[] | undefined; caption: string }) {
  type Row = { key: string; value: string; source?: TaskVariable['source']; location?: string; valueFrom?: TaskVariable['valueFrom'] };
  // Array.isArray narrows a readonly array to any[]: say what it is.
  const rows: Row[] = isTaskVariables(variables) ? [...variables] : Object.entries(variables ?? {}).map(([key, value]) => ({ key, value }));
  const withSource = rows.some((r) => r.source !== undefined);
  if (rows.length === 0) return <p className="gofer-muted">{caption}: none.</p>;
  return (
    <div className="gofer-table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="gofer-table gofer-table--variables">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
            {withSource && <th scope="col">Source</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.key}:${r.source ?? ''}`}>
              <th scope="row">
                <code>{r.key}</code>
              </th>
              <td>
                <code className="gofer-value">{r.value}</code>
              </td>
              {withSource && <td>{r.source ? `${SOURCE_LABEL[r.source]}${origin(r)}` : ''}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
