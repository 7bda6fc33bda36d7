/** Sign in with an API token. The token is checked against the service before it is kept. */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { createGoferClient, expectData } from '../../api/client';
import { GoferApiError } from '../../api/api-error';

export function LoginPage({ onSignIn, notice }: { onSignIn: (token: string) => void; notice?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [checking, setChecking] = useState(false);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const candidate = token.trim();
    if (!candidate) return setError('Enter an API token.');
    setChecking(true);
    setError(undefined);
    try {
      // Any valid token may list the namespaces it can act on: the cheapest proof it is accepted.
      await expectData(createGoferClient({ getToken: () => candidate }).GET('/api/namespaces'));
      onSignIn(candidate);
    } catch (err) {
      setError(
        err instanceof GoferApiError && err.status === 401
          ? `This token was refused: ${err.message} Check it, or make a new one with "gofer token create".`
          : (err as Error).message,
      );
      setChecking(false);
    }
  };

  useEffect(() => {
    document.title = 'Sign in · Gofer';
  }, []);
  return (
    <div className="gofer-ui gofer-login">
      <main id="main" className="gofer-login__card">
        <h1>Sign in to Gofer</h1>
        {notice && (
          <p role="status" className="gofer-notice">
            {notice}
          </p>
        )}
        <form method="post" onSubmit={submit} className="gofer-form" noValidate>
          <div className="gofer-field">
            <label htmlFor={id}>API token</label>
            <input
              id={id}
              name="token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              aria-describedby={`${id}-help`}
              aria-invalid={error ? true : undefined}
              autoFocus
            />
            <p id={`${id}-help`} className="gofer-muted gofer-small">
              A management or client token (<code>gofer_…</code>). The first one comes from <code>gofer token bootstrap</code>, others from{' '}
              <code>gofer token create</code>. It is kept in this tab only, until you sign out or close it.
            </p>
          </div>
          <button type="submit" className="gofer-button gofer-button--primary" disabled={checking}>
            {checking ? 'Checking…' : 'Sign in'}
          </button>
          {error && (
            <p role="alert" className="gofer-error">
              {error}
            </p>
          )}
        </form>
      </main>
    </div>
  );
}
