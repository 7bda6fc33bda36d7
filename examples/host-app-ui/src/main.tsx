/**
 * A host application ("Acme Deploys") that mounts Gofer's views under its own routes (/ci/...)
 * and its own auth: the host decides where the API token comes from (here: its own sign-in
 * form, kept in memory), and Gofer's views link through the host's router.
 */
import { defaultPaths, GoferProvider, PipelineList, RunGraph, RunsTable, TaskLog, usePipeline } from '@gofer/ui';
import '@gofer/ui/style.css';
import { StrictMode, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { HostLink, usePath } from './router';
import './host.css';

// The host's auth: one token in memory. A real app would get it from its own session or SSO backend.
let hostToken: string | undefined;

const paths = defaultPaths('/ci');

function CiPages() {
  const path = usePath();
  const task = /^\/ci\/pipelines\/([^/]+)\/runs\/(\d+)\/tasks\/([^/]+)$/.exec(path);
  const run = /^\/ci\/pipelines\/([^/]+)\/runs\/(\d+)$/.exec(path);
  const pipeline = /^\/ci\/pipelines\/([^/]+)$/.exec(path);
  // The paths encode each id (a matrix combination's `test[NODE=18]` included): decode them back.
  const id = (segment: string | undefined) => decodeURIComponent(segment!);
  if (task) return <TaskLog pipelineId={id(task[1])} runId={Number(task[2])} taskId={id(task[3])} height={360} />;
  if (run) return <RunGraph pipelineId={id(run[1])} runId={Number(run[2])} height={360} />;
  if (pipeline) return <PipelineRuns pipelineId={id(pipeline[1])} />;
  return <PipelineList />;
}

/** A host page combining a hook with a view. */
function PipelineRuns({ pipelineId }: { pipelineId: string }) {
  const pipeline = usePipeline(pipelineId);
  return (
    <>
      <h2>{pipeline.data?.name ?? pipelineId}</h2>
      <RunsTable pipelineId={pipelineId} pageSize={10} />
    </>
  );
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    hostToken = value.trim();
    onDone();
  };
  return (
    <form method="post" onSubmit={submit} className="host-signin">
      <label htmlFor="host-token">Acme CI token</label>
      <input id="host-token" type="password" value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
      <button type="submit">Continue</button>
    </form>
  );
}

function HostApp() {
  const [signedIn, setSignedIn] = useState(false);
  const path = usePath();
  return (
    <div className="host">
      <header className="host-header">
        <strong>Acme Deploys</strong>
        <nav aria-label="Acme">
          <HostLink href="/">Home</HostLink> <HostLink href="/ci">CI pipelines</HostLink>
        </nav>
      </header>
      <main>
        {!path.startsWith('/ci') ? (
          <>
            <h1>Welcome to Acme Deploys</h1>
            <p>
              Our pipelines run on Gofer: see <HostLink href="/ci">CI pipelines</HostLink>.
            </p>
          </>
        ) : !signedIn ? (
          <SignIn onDone={() => setSignedIn(true)} />
        ) : (
          <GoferProvider
            getToken={() => hostToken}
            onUnauthorized={() => {
              hostToken = undefined;
              setSignedIn(false);
            }}
            paths={paths}
            linkComponent={HostLink}
          >
            <h1>CI pipelines</h1>
            <CiPages />
          </GoferProvider>
        )}
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <HostApp />
  </StrictMode>,
);
