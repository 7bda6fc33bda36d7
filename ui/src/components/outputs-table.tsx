/**
 * A task's outputs (what it wrote to `$GOFER_OUTPUT`) as a table. A secret output arrives masked
 * (`********`) from the service; the table says it is secret with a lock and a word, never
 * colour or an icon alone.
 */
import type { TaskOutput } from '../api/types';

/** A secret output's value as shown: the service masks it already, and the view never shows more. */
const SECRET_MASK = '********';

function LockIcon() {
  return (
    <svg className="gofer-lock-icon" viewBox="0 0 16 16" width={14} height={14} aria-hidden="true" focusable="false">
      <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}

/** The outputs of one task execution (`TaskExecution.outputs`); says "none" when there are none. */
export function OutputsTable({ outputs, caption = 'Outputs of this task' }: { outputs: readonly TaskOutput[] | undefined; caption?: string }) {
  if (!outputs?.length) return <p className="gofer-muted">{caption}: none.</p>;
  return (
    <div className="gofer-table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="gofer-table gofer-table--outputs">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {outputs.map((o) => (
            <tr key={o.key} data-output-key={o.key} data-secret={o.secret ? 'true' : undefined}>
              <th scope="row">
                <code>{o.key}</code>
              </th>
              <td>
                {o.secret ? (
                  <span className="gofer-secret">
                    <LockIcon />
                    <code className="gofer-value">{SECRET_MASK}</code> <span className="gofer-secret__label">secret</span>
                  </span>
                ) : (
                  <code className="gofer-value">{o.value}</code>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
