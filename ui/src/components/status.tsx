/**
 * Status everywhere: an icon, a word and a colour together, so no one has to tell colours apart
 * (and screen readers read the word). Running shows a spinner unless the user prefers less motion.
 */
import type { RunState, RunStatus, TaskState, TaskStatus } from '../api/types';

export type StatusKind = 'successful' | 'failed' | 'cancelled' | 'skipped' | 'running' | 'waiting' | 'pending' | 'unknown' | 'active' | 'disabled';

const LABELS: Record<StatusKind, string> = {
  successful: 'Successful',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
  running: 'Running',
  waiting: 'Waiting',
  pending: 'Pending',
  unknown: 'Unknown',
  active: 'Active',
  disabled: 'Disabled',
};

/** One kind for a run: its status once complete, else its state. */
export function runKind(run: { state: RunState; status: RunStatus }): StatusKind {
  if (run.state === 'complete') return run.status;
  return run.state === 'running' ? 'running' : 'pending';
}

/** One kind for a task execution (or a task with no execution yet: pending). */
export function taskKind(task: { state: TaskState; status: TaskStatus } | undefined): StatusKind {
  if (!task) return 'pending';
  if (task.state === 'complete') return task.status;
  if (task.state === 'running') return 'running';
  // An approval gate waits on a person: shown as waiting (the task page says for what).
  return task.state === 'waiting' || task.state === 'waiting_approval' ? 'waiting' : 'pending';
}

export const kindLabel = (kind: StatusKind): string => LABELS[kind];

/** Reasons said in words where the code alone reads poorly; the rest as the code, spaced. */
const REASONS: Partial<Record<string, string>> = {
  condition_false: 'its when condition was false',
  allowed_failure: 'with allowed failures',
  outputs_invalid: 'its outputs could not be read',
};

/** A run's or task's status reason as people read it (`condition_false` → "its when condition was false"). */
export const reasonLabel = (reason: string): string => REASONS[reason] ?? reason.replace(/_/g, ' ');

/** The icon alone (decorative: the label carries the meaning). */
export function StatusIcon({ kind, className }: { kind: StatusKind; className?: string }) {
  const common = {
    className: `gofer-status-icon gofer-status-icon--${kind} ${className ?? ''}`,
    viewBox: '0 0 16 16',
    width: 16,
    height: 16,
    'aria-hidden': true,
    focusable: false,
  } as const;
  switch (kind) {
    case 'successful':
    case 'active':
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M4.5 8.2l2.3 2.3 4.7-4.9" fill="none" stroke="var(--gofer-icon-ink)" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      );
    case 'failed':
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="7" fill="currentColor" />
          <path d="M5.3 5.3l5.4 5.4M10.7 5.3l-5.4 5.4" stroke="var(--gofer-icon-ink)" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
      );
    case 'cancelled':
    case 'disabled':
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M3.8 12.2l8.4-8.4" stroke="currentColor" strokeWidth="1.6" />
        </svg>
      );
    case 'skipped':
      return (
        <svg {...common}>
          <path d="M3 3.5l5 4.5-5 4.5zM8.5 3.5l5 4.5-5 4.5z" fill="currentColor" />
        </svg>
      );
    case 'running':
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeOpacity="0.3" strokeWidth="2" />
          <path className="gofer-spin" d="M8 2a6 6 0 0 1 6 6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
        </svg>
      );
    case 'waiting':
    case 'pending':
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M8 4.5V8l2.5 1.8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </svg>
      );
    case 'unknown':
    default:
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M6.3 6.2a1.8 1.8 0 1 1 2.4 1.7c-.5.2-.7.6-.7 1.1M8 11.3v.1" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
      );
  }
}

/** Icon and word; `label` replaces the word (e.g. "Failed (exit 1)"). */
export function StatusBadge({ kind, label, compact }: { kind: StatusKind; label?: string; compact?: boolean }) {
  return (
    <span className={`gofer-status gofer-status--${kind}${compact ? ' gofer-status--compact' : ''}`} data-status={kind}>
      <StatusIcon kind={kind} />
      <span className="gofer-status__label">{label ?? LABELS[kind]}</span>
    </span>
  );
}
