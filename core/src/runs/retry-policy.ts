/**
 * The pure rules of automatic retries (a task's `retries`): whether an ended attempt gets
 * another, and how long the task waits before it. Kept apart from the execution so the rules
 * are tested on their own and read in one place.
 *
 * What each reason means for a retry:
 * - `scheduler_error`: the scheduler could not start the container (or an unexpected error);
 * - `abnormal_exit`: the container exited non-zero;
 * - `timeout`: the attempt ran over the task's own `timeoutMs` (each attempt has the whole of it;
 *   a run over the run's `timeoutMs` is cancelled instead, and a cancel is never retried);
 * - `orphaned`: the container vanished (removed behind Gofer's back, or gone while Gofer was
 *   down): the next attempt is a new container.
 * Never retried: success, `cancelled`, `failed_precondition` (a missing substitution would fail
 * again) and `log_write_failed` (the disk is full: another attempt would lose its output too).
 */
import type { RetryPolicy, RetryReason, TaskExecutionReason, TaskExecutionStatus } from '../api/index.js';

/** Retried when `on` is left out. */
export const DEFAULT_RETRY_ON: readonly RetryReason[] = ['scheduler_error', 'abnormal_exit', 'timeout', 'orphaned'];

/** The default `factor`: each wait twice the one before. */
export const DEFAULT_RETRY_FACTOR = 2;

/** True when the attempt `attempt` (from 1) that ended so should be followed by another. */
export function shouldRetry(policy: RetryPolicy | undefined, attempt: number, status: TaskExecutionStatus, reason: TaskExecutionReason | undefined): boolean {
  if (!policy || policy.limit <= 0 || attempt > policy.limit) return false;
  if (status === 'successful' || status === 'cancelled' || status === 'skipped' || reason === undefined) return false;
  return (policy.on ?? DEFAULT_RETRY_ON).includes(reason as RetryReason);
}

/** The wait before attempt `next` (2 for the first retry): `backoffMs * factor^(next-2)`, capped at a day. */
export function backoffBefore(policy: RetryPolicy, next: number): number {
  const base = policy.backoffMs ?? 0;
  const factor = policy.factor ?? DEFAULT_RETRY_FACTOR;
  return Math.min(Math.round(base * factor ** Math.max(0, next - 2)), 86_400_000);
}
