/**
 * The standalone web UI: sign-in with an API token, then the pages under one shell. A 401 at any
 * point (token revoked or expired mid-session) signs out and says why; the address stays, so
 * signing in again returns to the same page.
 */
import { lazy, Suspense, useCallback, useState, type ReactNode } from 'react';
import { Link as RouterLink, Route, Switch, useLocation } from 'wouter';
import type { LinkComponent } from '../provider/gofer-context';
import { GoferProvider } from '../provider/gofer-provider';
import { clearToken, readToken, storeToken } from './session';
import { Shell } from './shell';
import { LoginPage } from './pages/login-page';
import { PipelinesPage } from './pages/pipelines-page';
import { PipelinePage } from './pages/pipeline-page';
import { EventsPage } from './pages/events-page';
import { PluginsPage } from './pages/plugins-page';
import { SecretsPage } from './pages/secrets-page';
import { TokensPage } from './pages/tokens-page';
import { NotFoundPage } from './pages/not-found-page';

// The run and task pages carry the graph, layout and log viewer code: loaded when first opened.
const RunPage = lazy(() => import('./pages/run-page'));
const TaskPage = lazy(() => import('./pages/task-page'));

const AppLink: LinkComponent = ({ href, children, ...rest }) => (
  <RouterLink href={href} {...rest}>
    {children}
  </RouterLink>
);

/** A route parameter as typed: the router leaves reserved characters (`=`, `/`, ...) encoded. */
const param = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

const Loading = () => <p className="gofer-muted">Loading…</p>;

export function App() {
  const [token, setToken] = useState(readToken);
  const [notice, setNotice] = useState<string>();
  const [session, setSession] = useState(0);
  const [, navigate] = useLocation();

  const signIn = (candidate: string) => {
    storeToken(candidate);
    setNotice(undefined);
    setSession((s) => s + 1);
    setToken(candidate);
  };
  const signOut = useCallback(
    (message: string, home: boolean) => {
      clearToken();
      setToken(null);
      setNotice(message);
      if (home) navigate('/');
    },
    [navigate],
  );
  const onUnauthorized = useCallback(
    (error: Error) => signOut(`You were signed out: the service refused the token (${error.message}). Sign in again with a valid token.`, false),
    [signOut],
  );

  if (!token) return <LoginPage onSignIn={signIn} {...(notice ? { notice } : {})} />;
  return (
    <GoferProvider key={session} getToken={readToken} onUnauthorized={onUnauthorized} linkComponent={AppLink}>
      <Shell onSignOut={() => signOut('You signed out.', true)}>
        <Suspense fallback={<Loading />}>
          <Routes />
        </Suspense>
      </Shell>
    </GoferProvider>
  );
}

function Routes(): ReactNode {
  return (
    <Switch>
      <Route path="/">
        <PipelinesPage />
      </Route>
      <Route path="/pipelines/:pipelineId">{(p) => <PipelinePage pipelineId={param(p.pipelineId)} />}</Route>
      <Route path="/pipelines/:pipelineId/runs/:runId">
        {(p) => <RunPage key={`${p.pipelineId}/${p.runId}`} pipelineId={param(p.pipelineId)} runId={Number(p.runId)} />}
      </Route>
      <Route path="/pipelines/:pipelineId/runs/:runId/tasks/:taskId">
        {(p) => <TaskPage key={`${p.pipelineId}/${p.runId}/${p.taskId}`} pipelineId={param(p.pipelineId)} runId={Number(p.runId)} taskId={param(p.taskId)} />}
      </Route>
      <Route path="/events">
        <EventsPage />
      </Route>
      <Route path="/plugins">
        <PluginsPage />
      </Route>
      <Route path="/secrets">
        <SecretsPage />
      </Route>
      <Route path="/tokens">
        <TokensPage />
      </Route>
      <Route>
        <NotFoundPage />
      </Route>
    </Switch>
  );
}
