/** Secrets (keys only: values are write-only) and objects, global or of one pipeline; put and delete secrets. */
import { useId, useState, type FormEvent } from 'react';
import { useDeleteSecret, useObjectKeys, usePipelines, usePutSecret, useSecretKeys } from '../../hooks/use-api';
import { ErrorNote, PageTitle } from '../page-title';

export function SecretsPage() {
  const pipelines = usePipelines();
  const [scope, setScope] = useState('');
  const scopeId = useId();
  const pipelineId = scope || undefined;
  return (
    <>
      <PageTitle title="Secrets and objects">Secrets and objects</PageTitle>
      <div className="gofer-field gofer-scope">
        <label htmlFor={scopeId}>Scope</label>
        <select id={scopeId} value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="">Global secrets (management tokens)</option>
          {(pipelines.data ?? []).map((p) => (
            <option key={p.pipelineId} value={p.pipelineId}>
              Pipeline {p.pipelineId}
            </option>
          ))}
        </select>
      </div>
      <SecretKeys key={scope || '(global)'} {...(pipelineId ? { pipelineId } : {})} />
      {pipelineId && <ObjectKeys pipelineId={pipelineId} />}
    </>
  );
}

function SecretKeys({ pipelineId }: { pipelineId?: string }) {
  const keys = useSecretKeys(pipelineId);
  const put = usePutSecret(pipelineId);
  const del = useDeleteSecret(pipelineId);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [stored, setStored] = useState<string>();
  const id = useId();
  const where = pipelineId ? `pipeline ${pipelineId}` : 'global';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setStored(undefined);
    put.mutate(
      { key: key.trim(), value },
      {
        onSuccess: () => {
          setStored(key.trim());
          setKey('');
          setValue('');
        },
      },
    );
  };

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Secrets ({where})</h2>
      <p className="gofer-muted">
        Use a secret in a task as <code>{pipelineId ? 'pipeline_secret{{KEY}}' : 'global_secret{{KEY}}'}</code>. Values are encrypted at rest and never shown
        again.
      </p>
      <ErrorNote error={keys.error ?? del.error} />
      {keys.isSuccess && keys.data.length === 0 && <p className="gofer-muted">No secrets.</p>}
      {(keys.data ?? []).length > 0 && (
        <ul className="gofer-key-list" aria-label={`Secret keys (${where})`}>
          {(keys.data ?? []).map((k) => (
            <li key={k}>
              <code>{k}</code>
              <button type="button" className="gofer-button gofer-button--quiet" onClick={() => del.mutate(k)} aria-label={`Delete secret ${k}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form method="post" className="gofer-form gofer-inline-form" onSubmit={submit}>
        <h3>Put a secret</h3>
        <div className="gofer-field">
          <label htmlFor={`${id}-key`}>Key</label>
          <input
            id={`${id}-key`}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            pattern="[a-zA-Z0-9_.\-]{1,128}"
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="gofer-field">
          <label htmlFor={`${id}-value`}>Value</label>
          <input id={`${id}-value`} type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
        </div>
        <button type="submit" className="gofer-button gofer-button--primary" disabled={put.isPending || !key.trim()}>
          Store secret
        </button>
        {stored && (
          <p role="status" className="gofer-notice">
            Stored secret {stored}.
          </p>
        )}
        <ErrorNote error={put.error} />
      </form>
    </section>
  );
}

function ObjectKeys({ pipelineId }: { pipelineId: string }) {
  const keys = useObjectKeys(pipelineId);
  return (
    <section aria-labelledby="objects">
      <h2 id="objects">Objects (pipeline {pipelineId})</h2>
      <ErrorNote error={keys.error} />
      {keys.isSuccess && keys.data.length === 0 && <p className="gofer-muted">No objects.</p>}
      {(keys.data ?? []).length > 0 && (
        <ul className="gofer-key-list" aria-label={`Object keys of ${pipelineId}`}>
          {(keys.data ?? []).map((k) => (
            <li key={k}>
              <code>{k}</code>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
