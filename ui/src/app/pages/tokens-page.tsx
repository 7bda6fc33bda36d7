/** API tokens (management tokens only): list, create (the secret is shown once), revoke. */
import { useId, useState, type FormEvent } from 'react';
import type { NewApiToken } from '../../api/types';
import { formatTime } from '../../components/format';
import { useCreateToken, useDeleteToken, useNamespaces, useTokens } from '../../hooks/use-api';
import { ErrorNote, PageTitle } from '../page-title';

const DAY = 24 * 60 * 60 * 1000;

export function TokensPage() {
  const tokens = useTokens();
  const revoke = useDeleteToken();
  const [confirm, setConfirm] = useState<string>();
  return (
    <>
      <PageTitle title="Tokens">API tokens</PageTitle>
      <p className="gofer-muted">
        Only management tokens may see and manage tokens. Secrets are shown once, when a token is created; the service keeps only their hashes.
      </p>
      <ErrorNote error={tokens.error ?? revoke.error} />
      {(tokens.data ?? []).length > 0 && (
        <div className="gofer-table-wrap" role="region" aria-label="Tokens table" tabIndex={0}>
          <table className="gofer-table">
            <thead>
              <tr>
                <th scope="col">Token</th>
                <th scope="col">Kind</th>
                <th scope="col">Namespaces</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="gofer-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(tokens.data ?? []).map((t) => (
                <tr key={t.tokenId}>
                  <th scope="row">
                    <code>{t.tokenId}</code>
                    {t.description && <div className="gofer-small gofer-muted">{t.description}</div>}
                  </th>
                  <td>{t.kind}</td>
                  <td>{t.kind === 'management' ? 'all' : t.namespaces.join(', ') || '–'}</td>
                  <td>{formatTime(t.created)}</td>
                  <td>{t.expires ? formatTime(t.expires) : 'never'}</td>
                  <td>
                    {confirm === t.tokenId ? (
                      <span className="gofer-confirm">
                        <button type="button" className="gofer-button gofer-button--danger" onClick={() => revoke.mutate(t.tokenId)} autoFocus>
                          Revoke now
                        </button>
                        <button type="button" className="gofer-button" onClick={() => setConfirm(undefined)}>
                          Keep
                        </button>
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="gofer-button gofer-button--quiet"
                        onClick={() => setConfirm(t.tokenId)}
                        aria-label={`Revoke token ${t.tokenId}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tokens.isSuccess && <CreateToken />}
    </>
  );
}

function CreateToken() {
  const create = useCreateToken();
  const namespaces = useNamespaces();
  const [kind, setKind] = useState<'management' | 'client'>('client');
  const [chosen, setChosen] = useState<string[]>([]);
  const [description, setDescription] = useState('');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<NewApiToken>();
  const id = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(undefined);
    const expires = Number(days);
    create.mutate(
      {
        kind,
        ...(kind === 'client' ? { namespaces: chosen } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(days && expires > 0 ? { expiresInMs: Math.round(expires * DAY) } : {}),
      },
      { onSuccess: (t) => setCreated(t) },
    );
  };

  return (
    <form method="post" className="gofer-form gofer-inline-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a token</h2>
      <div className="gofer-field">
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as 'management' | 'client')}>
          <option value="client">client: only pipelines of chosen namespaces</option>
          <option value="management">management: every route</option>
        </select>
      </div>
      {kind === 'client' && (
        <fieldset>
          <legend>Namespaces</legend>
          {(namespaces.data ?? []).map((n) => (
            <label key={n.namespaceId}>
              <input
                type="checkbox"
                checked={chosen.includes(n.namespaceId)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, n.namespaceId] : chosen.filter((c) => c !== n.namespaceId))}
              />{' '}
              {n.namespaceId}
            </label>
          ))}
        </fieldset>
      )}
      <div className="gofer-field">
        <label htmlFor={`${id}-desc`}>Description</label>
        <input id={`${id}-desc`} value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" />
      </div>
      <div className="gofer-field">
        <label htmlFor={`${id}-days`}>Expires after (days, empty: never)</label>
        <input id={`${id}-days`} type="number" min="0" step="any" inputMode="decimal" value={days} onChange={(e) => setDays(e.target.value)} />
      </div>
      <button type="submit" className="gofer-button gofer-button--primary" disabled={create.isPending || (kind === 'client' && chosen.length === 0)}>
        Create token
      </button>
      <ErrorNote error={create.error} />
      {created && (
        <div role="status" className="gofer-notice">
          <p>
            Token <code>{created.token.tokenId}</code> created. Copy its secret now: it is not shown again.
          </p>
          <label htmlFor={`${id}-secret`}>Secret</label>
          <input id={`${id}-secret`} readOnly value={created.secret} onFocus={(e) => e.target.select()} className="gofer-secret" />
        </div>
      )}
    </form>
  );
}
