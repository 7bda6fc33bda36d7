/**
 * The pure rules of approval gates (tasks of kind `approval`): who may decide one, what a
 * decision does to the task, and the errors a decision can meet. The run execution holds the
 * waiting gates and their timers (run-execution.ts); the orchestrator finds the run a decision
 * is for.
 */
import {
  GoferError,
  type ApprovalDecision,
  type ApprovalTaskConfig,
  type Approver,
  type ApproversConfig,
  type TaskExecutionReason,
  type TaskExecutionStatus,
} from '../api/index.js';

/** Who decides when a typed-API caller names nobody: the embedding application. */
export const HOST_APPROVER: Approver = Object.freeze({ kind: 'host', name: 'api' });

/**
 * True when `by` may decide a gate with these approvers: anyone when none are set, else a caller
 * whose kind is listed, or a client token holding one of the listed namespaces.
 */
export function mayApprove(approvers: ApproversConfig | undefined, by: Approver): boolean {
  if (!approvers) return true;
  if (approvers.kinds?.includes(by.kind)) return true;
  return by.kind === 'client' && (approvers.namespaces ?? []).some((n) => (by.namespaces ?? []).includes(n));
}

/** Throws ERR_FORBIDDEN when `by` may not decide the gate. */
export function requireApprover(pipelineId: string, task: ApprovalTaskConfig, by: Approver): void {
  if (mayApprove(task.approvers, by)) return;
  const allowed = [
    ...(task.approvers?.kinds ?? []).map((k) => `${k} callers`),
    ...(task.approvers?.namespaces ?? []).map((n) => `client tokens of namespace "${n}"`),
  ];
  throw new GoferError(
    'ERR_FORBIDDEN',
    `${by.name} may not decide approval task "${task.id}" of pipeline "${pipelineId}": only ${allowed.length > 0 ? allowed.join(', ') : 'nobody'} may; ask one of them.`,
    { details: { pipelineId, taskId: task.id, approver: by, approvers: task.approvers ?? {} } },
  );
}

/** ERR_INVALID_ARGUMENT: the task exists but is a container task. */
export function notAnApprovalTask(pipelineId: string, runId: number, taskId: string): GoferError {
  return new GoferError(
    'ERR_INVALID_ARGUMENT',
    `Task "${taskId}" of run ${runId} of pipeline "${pipelineId}" is not an approval task; only tasks of kind "approval" take a decision.`,
    {
      details: { pipelineId, runId, taskId, field: 'taskId' },
    },
  );
}

/** ERR_CONFLICT: the gate is not waiting (decided, timed out, cancelled, or its parents are not done yet). */
export function notWaiting(pipelineId: string, runId: number, taskId: string, state: string, decision?: ApprovalDecision): GoferError {
  const why = decision
    ? decision.decision === 'timed_out'
      ? 'it timed out'
      : `it was already ${decision.decision}${decision.by ? ` by ${decision.by.name}` : ''}`
    : state === 'complete'
      ? 'it is complete'
      : 'it is not waiting for approval yet (its parents have not finished)';
  return new GoferError('ERR_CONFLICT', `Approval task "${taskId}" of run ${runId} of pipeline "${pipelineId}" cannot be decided: ${why}.`, {
    details: { pipelineId, runId, taskId, state, ...(decision ? { decision: decision.decision } : {}) },
  });
}

/** The task's final status and reason for a decision. */
export function decisionOutcome(
  task: ApprovalTaskConfig,
  decision: ApprovalDecision,
): { status: TaskExecutionStatus; reason?: { reason: TaskExecutionReason; description: string } } {
  if (decision.decision === 'approved') return { status: 'successful' };
  if (decision.decision === 'timed_out')
    return { status: 'failed', reason: { reason: 'timeout', description: `nobody decided within ${task.timeoutMs ?? 0} ms` } };
  const comment = decision.comment ? `: ${decision.comment}` : '';
  return { status: 'failed', reason: { reason: 'approval_rejected', description: `rejected by ${decision.by?.name ?? 'unknown'}${comment}` } };
}
