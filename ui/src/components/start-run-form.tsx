/** Starts a run of the live version with runtime variables (key = value rows). */
import { useId, useState, type FormEvent } from 'react';
import type { Run } from '../api/types';
import { useStartRun } from '../hooks/use-api';

interface Row {
  id: number;
  key: string;
  value: string;
}

export function StartRunForm({ pipelineId, onStarted, disabled }: { pipelineId: string; onStarted?: (run: Run) => void; disabled?: boolean }) {
  const start = useStartRun(pipelineId);
  const [rows, setRows] = useState<Row[]>([{ id: 0, key: '', value: '' }]);
  const [problem, setProblem] = useState<string>();
  const formId = useId();
  const set = (id: number, patch: Partial<Row>) => setRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    const variables: Record<string, string> = {};
    for (const r of rows) {
      if (!r.key && !r.value) continue;
      if (!r.key.trim()) return setProblem(`Variable ${rows.indexOf(r) + 1} has a value but no name.`);
      if (r.key in variables) return setProblem(`${r.key} is given twice.`);
      variables[r.key] = r.value;
    }
    start.mutate(variables, { onSuccess: (run) => onStarted?.(run) });
  };

  return (
    <form className="gofer-ui gofer-form gofer-start-run" onSubmit={submit} aria-labelledby={`${formId}-title`}>
      <h3 id={`${formId}-title`}>Start a run</h3>
      <fieldset>
        <legend>Runtime variables (optional)</legend>
        {rows.map((r, i) => (
          <div className="gofer-kv" key={r.id}>
            <label htmlFor={`${formId}-k${r.id}`} className="gofer-visually-hidden">
              Variable {i + 1} name
            </label>
            <input
              id={`${formId}-k${r.id}`}
              value={r.key}
              onChange={(e) => set(r.id, { key: e.target.value })}
              placeholder="NAME"
              autoComplete="off"
              spellCheck={false}
            />
            <span aria-hidden="true">=</span>
            <label htmlFor={`${formId}-v${r.id}`} className="gofer-visually-hidden">
              Variable {i + 1} value
            </label>
            <input
              id={`${formId}-v${r.id}`}
              value={r.value}
              onChange={(e) => set(r.id, { value: e.target.value })}
              placeholder="value"
              autoComplete="off"
              spellCheck={false}
            />
            <button
              type="button"
              className="gofer-button gofer-button--quiet"
              onClick={() => setRows(rows.length > 1 ? rows.filter((x) => x.id !== r.id) : [{ id: r.id + 1, key: '', value: '' }])}
              aria-label={`Remove variable ${i + 1}`}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="gofer-button gofer-button--quiet"
          onClick={() => setRows([...rows, { id: Math.max(...rows.map((r) => r.id)) + 1, key: '', value: '' }])}
        >
          Add a variable
        </button>
      </fieldset>
      <button type="submit" className="gofer-button gofer-button--primary" disabled={start.isPending || disabled}>
        {start.isPending ? 'Starting…' : 'Start run'}
      </button>
      {disabled && <p className="gofer-muted">The pipeline is disabled: enable it to start runs.</p>}
      {(problem || start.error) && (
        <p role="alert" className="gofer-error">
          {problem ?? start.error?.message}
        </p>
      )}
    </form>
  );
}
