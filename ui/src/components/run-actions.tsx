/**
 * <RunActions>: what can be done to a run. Each control shows only when the connected service's
 * OpenAPI document lists its operation and the run is in a state it applies to, so a UI newer
 * than its service never shows a button that cannot work. Reruns, retries, single-task cancel and
 * approvals join this list as the API gains them (each one a typed call on the generated client).
 */
import { useState } from 'react';
import type { Run } from '../api/types';
import { useCancelRun, useOperations } from '../hooks/use-api';

export function RunActions({ run }: { run: Run }) {
  const operations = useOperations();
  const ops = operations.data;
  if (!ops) return null;
  const canCancel = ops.has('cancelRun') && run.state !== 'complete';
  if (!canCancel) return null;
  return (
    <div className="gofer-ui gofer-actions" role="group" aria-label={`Actions on run ${run.runId}`}>
      {canCancel && <CancelRun run={run} />}
    </div>
  );
}

function CancelRun({ run }: { run: Run }) {
  const cancel = useCancelRun(run.pipelineId, run.runId);
  const [confirming, setConfirming] = useState(false);
  if (cancel.isSuccess)
    return (
      <p className="gofer-muted" role="status">
        Cancel requested: running tasks are being stopped.
      </p>
    );
  return (
    <>
      {!confirming ? (
        <button type="button" className="gofer-button gofer-button--danger" onClick={() => setConfirming(true)}>
          Cancel run
        </button>
      ) : (
        <span className="gofer-confirm" role="group" aria-label="Confirm cancel">
          <span>Cancel run {run.runId}? Running tasks are stopped, waiting ones cancelled.</span>
          <button type="button" className="gofer-button gofer-button--danger" onClick={() => cancel.mutate()} disabled={cancel.isPending} autoFocus>
            Yes, cancel
          </button>
          <button type="button" className="gofer-button" onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </span>
      )}
      {cancel.error && (
        <p role="alert" className="gofer-error">
          {cancel.error.message}
        </p>
      )}
    </>
  );
}
