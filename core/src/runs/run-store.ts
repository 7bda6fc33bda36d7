/**
 * Runs and task executions in SQLite. Every state change is written here before the
 * orchestrator acts on it, which is what crash recovery reads back. Statements are prepared
 * once; the creation of a run and its tasks is one transaction.
 */
import type { SqliteStatement } from '../stores/sqlite-database.js';
import {
  GoferError,
  type Clock,
  type Run,
  type RunInitiator,
  type RunState,
  type RunStatus,
  SECRET_MASK,
  type MatrixCombination,
  type ApprovalDecision,
  type TaskApproval,
  type TaskAttempt,
  type TaskExecution,
  type TaskExecutionReason,
  type TaskExecutionState,
  type TaskExecutionStatus,
  type TaskVariable,
} from '../api/index.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK } from '../kernel/tokens.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';
import { GROUP_COMMIT, type GroupCommit } from '../stores/group-commit.js';
import type { PlannedTask } from '../pipelines/task-plan.js';

interface RunRow {
  seq: number;
  pipeline_id: string;
  run_id: number;
  version: number;
  state: RunState;
  status: RunStatus;
  status_reason: string | null;
  initiator: string;
  variables: string;
  cancel_requested: number;
  concurrency_group: string | null;
  cancel_description: string | null;
  started: number;
  ended: number | null;
  timeout_ms: number | null;
  deadline: number | null;
  cancel_reason: string | null;
}

interface TaskRow {
  pipeline_id: string;
  run_id: number;
  task_id: string;
  image: string;
  state: TaskExecutionState;
  status: TaskExecutionStatus;
  status_reason: string | null;
  exit_code: number | null;
  scheduler_id: string | null;
  start_attempts: number;
  carried_from: number | null;
  variables: string;
  created: number;
  started: number | null;
  ended: number | null;
  attempt: number;
  retry_at: number | null;
  cancel_requested: number;
  kind: string | null;
  approval: string | null;
  outputs: string | null;
  matrix: string | null;
  allow_failure: number;
}

interface AttemptRow {
  pipeline_id: string;
  run_id: number;
  task_id: string;
  attempt: number;
  status: TaskExecutionStatus;
  status_reason: string | null;
  exit_code: number | null;
  scheduler_id: string | null;
  started: number | null;
  ended: number | null;
  retry_at: number | null;
}

/** Why a cancel was asked for: by a caller, or by the run's own time limit. */
export type RunCancelReason = 'cancelled' | 'timeout';

/** A run as the orchestrator needs it: the public shape plus recovery facts. */
export interface StoredRun extends Run {
  cancelRequested: boolean;
  /** Set with cancelRequested: `timeout` when the run's time limit asked for it. */
  cancelReason?: RunCancelReason;
  /** Global creation order, used for FIFO admission. */
  seq: number;
  /** Why the run was cancelled, when someone said (a newer run of its concurrency group). */
  cancelDescription?: string;
}

/** What a run's creation writes besides its rows: its group, and a rerun's carried-over tasks. */
export interface RunCreationExtras {
  concurrencyGroup?: string;
  /** A rerun: the run it reruns, and the completed task rows of that run to copy instead of running. */
  rerun?: { fromRunId: number; carried: readonly StoredTask[] };
}

/** One output as stored: a secret one's value is sealed with the secret key (see RunExecution). */
export interface StoredOutput {
  key: string;
  value: string;
  secret?: boolean;
}

/** A task execution plus recovery facts. */
export interface StoredTask extends TaskExecution {
  /** How many times startContainer was (about to be) called. */
  startAttempts: number;
  /** The outputs as stored (secret values sealed); `outputs` shows them masked. */
  storedOutputs?: StoredOutput[];
}

function toRun(row: RunRow): StoredRun {
  const run: StoredRun = {
    pipelineId: row.pipeline_id,
    runId: row.run_id,
    version: row.version,
    state: row.state,
    status: row.status,
    initiator: JSON.parse(row.initiator) as RunInitiator,
    variables: JSON.parse(row.variables) as Record<string, string>,
    started: row.started,
    cancelRequested: row.cancel_requested === 1,
    seq: row.seq,
  };
  if (row.status_reason) run.statusReason = JSON.parse(row.status_reason) as Run['statusReason'];
  if (row.ended !== null) run.ended = row.ended;
  if (row.timeout_ms !== null) run.timeoutMs = row.timeout_ms;
  if (row.deadline !== null) run.deadline = row.deadline;
  if (row.cancel_reason !== null) run.cancelReason = row.cancel_reason as RunCancelReason;
  if (row.concurrency_group !== null) run.concurrencyGroup = row.concurrency_group;
  if (row.cancel_description !== null) run.cancelDescription = row.cancel_description;
  return run;
}

function toTask(row: TaskRow): StoredTask {
  const task: StoredTask = {
    pipelineId: row.pipeline_id,
    runId: row.run_id,
    taskId: row.task_id,
    image: row.image,
    state: row.state,
    status: row.status,
    variables: JSON.parse(row.variables) as TaskVariable[],
    created: row.created,
    attempt: row.attempt,
    startAttempts: row.start_attempts,
  };
  if (row.retry_at !== null) task.retryAt = row.retry_at;
  if (row.cancel_requested === 1) task.cancelRequested = true;
  if (row.status_reason) task.statusReason = JSON.parse(row.status_reason) as TaskExecution['statusReason'];
  if (row.exit_code !== null) task.exitCode = row.exit_code;
  if (row.scheduler_id !== null) task.schedulerId = row.scheduler_id;
  if (row.started !== null) task.started = row.started;
  if (row.ended !== null) task.ended = row.ended;
  if (row.kind === 'approval') task.kind = 'approval';
  if (row.approval !== null) task.approval = JSON.parse(row.approval) as TaskApproval;
  if (row.carried_from !== null) task.carriedFrom = { runId: row.carried_from };
  if (row.matrix !== null) task.matrix = JSON.parse(row.matrix) as MatrixCombination;
  if (row.allow_failure === 1) task.allowFailure = true;
  if (row.outputs !== null) {
    const stored = JSON.parse(row.outputs) as StoredOutput[];
    task.storedOutputs = stored;
    task.outputs = stored.map((o) => (o.secret ? { key: o.key, value: SECRET_MASK, secret: true } : { key: o.key, value: o.value }));
  }
  return task;
}

function toAttempt(row: AttemptRow): TaskAttempt {
  const a: TaskAttempt = {
    pipelineId: row.pipeline_id,
    runId: row.run_id,
    taskId: row.task_id,
    attempt: row.attempt,
    state: 'complete',
    status: row.status,
  };
  if (row.status_reason) a.statusReason = JSON.parse(row.status_reason) as TaskAttempt['statusReason'];
  if (row.exit_code !== null) a.exitCode = row.exit_code;
  if (row.scheduler_id !== null) a.schedulerId = row.scheduler_id;
  if (row.started !== null) a.started = row.started;
  if (row.ended !== null) a.ended = row.ended;
  if (row.retry_at !== null) a.retryAt = row.retry_at;
  return a;
}

/** The current attempt, as the task execution row shows it. */
export function currentAttempt(task: TaskExecution): TaskAttempt {
  const a: TaskAttempt = { pipelineId: task.pipelineId, runId: task.runId, taskId: task.taskId, attempt: task.attempt, state: task.state, status: task.status };
  if (task.statusReason) a.statusReason = task.statusReason;
  if (task.exitCode !== undefined) a.exitCode = task.exitCode;
  if (task.schedulerId !== undefined) a.schedulerId = task.schedulerId;
  if (task.started !== undefined) a.started = task.started;
  if (task.ended !== undefined) a.ended = task.ended;
  if (task.retryAt !== undefined) a.retryAt = task.retryAt;
  return a;
}

/** Strips the recovery-only fields for the public API. */
export function publicRun(run: StoredRun): Run {
  const { cancelRequested: _c, cancelReason: _r, cancelDescription: _d, seq: _s, ...rest } = run;
  return rest;
}

/** Strips the recovery-only fields for the public API. */
export function publicTask(task: StoredTask): TaskExecution {
  const { startAttempts: _a, storedOutputs: _o, ...rest } = task;
  return rest;
}

/** Runs and task executions in SQLite (see the file comment). */
@injectable(DATABASE, GROUP_COMMIT, CLOCK)
export class RunStore {
  private readonly s: Record<string, SqliteStatement>;
  /** Runs a function in a transaction (a savepoint inside the group's): made once, as a driver's wrapper costs to make. */
  private readonly inTransaction: (fn: () => unknown) => unknown;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly group: GroupCommit,
    private readonly clock: Clock,
  ) {
    this.inTransaction = db.transaction((fn: () => unknown) => fn());
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      nextRunId: p('UPDATE pipelines SET last_run_id = last_run_id + 1 WHERE pipeline_id = ? RETURNING last_run_id'),
      insertRun: p(
        "INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started, concurrency_group) VALUES (?, ?, ?, 'pending', 'unknown', ?, ?, ?, ?) RETURNING seq",
      ),
      insertTask: p(
        "INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, created, kind, matrix, allow_failure) VALUES (?, ?, ?, ?, 'processing', 'unknown', ?, ?, ?, ?)",
      ),
      approvalWaiting: p(
        "UPDATE task_executions SET state = 'waiting_approval', approval = ?, started = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ? AND state = 'processing'",
      ),
      approvalDecided: p("UPDATE task_executions SET approval = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ? AND state = 'waiting_approval'"),
      // A rerun's carried-over task: the source row's result, linked to the run it came from.
      insertCarried: p(
        "INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, status_reason, exit_code, variables, created, started, ended, carried_from, attempt, kind, approval, outputs, matrix, allow_failure) VALUES (?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      copyRunObjects: p(
        'INSERT INTO objects (pipeline_id, run_id, key, value, created) SELECT pipeline_id, ?, key, value, created FROM objects WHERE pipeline_id = ? AND run_id = ? ORDER BY seq',
      ),
      setCancelDescription: p('UPDATE runs SET cancel_description = ? WHERE pipeline_id = ? AND run_id = ?'),
      getRun: p('SELECT * FROM runs WHERE pipeline_id = ? AND run_id = ?'),
      // Newest first from a cursor: a range of the (pipeline_id, run_id) unique index, no sort.
      listRuns: p('SELECT * FROM runs WHERE pipeline_id = ? AND run_id < ? ORDER BY run_id DESC LIMIT ?'),
      unfinished: p("SELECT * FROM runs WHERE state != 'complete' ORDER BY seq"),
      setRunRunning: p("UPDATE runs SET state = 'running' WHERE pipeline_id = ? AND run_id = ?"),
      completeRun: p("UPDATE runs SET state = 'complete', status = ?, status_reason = ?, ended = ? WHERE pipeline_id = ? AND run_id = ?"),
      requestCancel: p('UPDATE runs SET cancel_requested = 1 WHERE pipeline_id = ? AND run_id = ?'),
      tasks: p('SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ?'),
      cancelRequestedTasks: p('SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ? AND cancel_requested = 1'),
      task: p('SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ? AND task_id = ?'),
      taskStarting: p(
        "UPDATE task_executions SET state = 'waiting', variables = ?, start_attempts = start_attempts + 1 WHERE pipeline_id = ? AND run_id = ? AND task_id = ?",
      ),
      taskRunning: p("UPDATE task_executions SET state = 'running', scheduler_id = ?, started = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?"),
      taskVariables: p('UPDATE task_executions SET variables = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?'),
      taskComplete: p(
        "UPDATE task_executions SET state = 'complete', status = ?, status_reason = ?, exit_code = ?, ended = ?, retry_at = NULL, outputs = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?",
      ),
      archiveAttempt: p(
        'INSERT OR REPLACE INTO task_attempts (pipeline_id, run_id, task_id, attempt, status, status_reason, exit_code, scheduler_id, started, ended, retry_at) SELECT pipeline_id, run_id, task_id, attempt, ?, ?, ?, scheduler_id, started, ?, ? FROM task_executions WHERE pipeline_id = ? AND run_id = ? AND task_id = ?',
      ),
      nextAttempt: p(
        "UPDATE task_executions SET state = 'retrying', status = 'unknown', status_reason = NULL, exit_code = NULL, scheduler_id = NULL, started = NULL, ended = NULL, attempt = attempt + 1, retry_at = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?",
      ),
      attempts: p('SELECT * FROM task_attempts WHERE pipeline_id = ? AND run_id = ? AND task_id = ? ORDER BY attempt'),
      requestTaskCancel: p('UPDATE task_executions SET cancel_requested = 1 WHERE pipeline_id = ? AND run_id = ? AND task_id = ?'),
      runTimeout: p('UPDATE runs SET timeout_ms = ? WHERE pipeline_id = ? AND run_id = ?'),
      runDeadline: p('UPDATE runs SET deadline = ? WHERE pipeline_id = ? AND run_id = ?'),
      cancelReason: p('UPDATE runs SET cancel_reason = ? WHERE pipeline_id = ? AND run_id = ?'),
    };
  }

  /**
   * Creates a pending run of `version` with one `processing` task execution per task. A rerun's
   * carried-over tasks are written `complete` in the same transaction (with the source run's
   * run objects), so a crash never leaves a rerun with half its rows.
   */
  createRun(
    pipelineId: string,
    version: number,
    tasks: readonly PlannedTask[],
    variables: Record<string, string>,
    initiator: RunInitiator,
    extras: RunCreationExtras = {},
  ): StoredRun {
    this.group.begin();
    return this.inTransaction((): StoredRun => {
      const next = this.s.nextRunId!.get(pipelineId) as { last_run_id: number } | undefined;
      if (!next) throw new GoferError('ERR_NOT_FOUND', `There is no pipeline "${pipelineId}".`, { details: { pipelineId } });
      const runId = next.last_run_id;
      const now = this.clock.now();
      const group = extras.concurrencyGroup ?? null;
      const { seq } = this.s.insertRun!.get(pipelineId, runId, version, JSON.stringify(initiator), JSON.stringify(variables), now, group) as { seq: number };
      const carried = new Map((extras.rerun?.carried ?? []).map((t) => [t.taskId, t]));
      for (const { id, task, matrix } of tasks) {
        const from = carried.get(id);
        const matrixJson = matrix ? JSON.stringify(matrix) : null;
        const allowFailure = task.kind !== 'approval' && task.allowFailure ? 1 : 0;
        if (!from) {
          // An approval gate runs no container: its image is empty.
          if (task.kind === 'approval') this.s.insertTask!.run(pipelineId, runId, id, '', now, 'approval', null, 0);
          else this.s.insertTask!.run(pipelineId, runId, id, task.image, now, null, matrixJson, allowFailure);
          continue;
        }
        // Link to the run that ran it (a task carried twice still points at its real run).
        const origin = from.carriedFrom?.runId ?? from.runId;
        this.s.insertCarried!.run(
          pipelineId,
          runId,
          id,
          from.image,
          from.status,
          from.statusReason ? JSON.stringify(from.statusReason) : null,
          from.exitCode ?? null,
          JSON.stringify(from.variables),
          now,
          from.started ?? null,
          from.ended ?? null,
          origin,
          // Its last attempt (whose log is the one carried) and, for a gate, its decision.
          from.attempt,
          from.kind ?? null,
          from.approval ? JSON.stringify(from.approval) : null,
          from.storedOutputs ? JSON.stringify(from.storedOutputs) : null,
          matrixJson,
          allowFailure,
        );
      }
      if (extras.rerun) this.s.copyRunObjects!.run(runId, pipelineId, extras.rerun.fromRunId);
      const run: StoredRun = {
        pipelineId,
        runId,
        version,
        state: 'pending',
        status: 'unknown',
        initiator,
        variables,
        started: now,
        cancelRequested: false,
        seq,
      };
      if (group !== null) run.concurrencyGroup = group;
      return run;
    }) as StoredRun;
  }

  getRun(pipelineId: string, runId: number): StoredRun {
    const row = this.s.getRun!.get(pipelineId, runId) as RunRow | undefined;
    if (!row) throw new GoferError('ERR_NOT_FOUND', `Pipeline "${pipelineId}" has no run ${runId}.`, { details: { pipelineId, runId } });
    return toRun(row);
  }

  /** At most `limit` runs with a run id below `before` (default: all), newest first. */
  listRuns(pipelineId: string, limit = 50, before = Number.MAX_SAFE_INTEGER): StoredRun[] {
    return (this.s.listRuns!.all(pipelineId, before, limit) as RunRow[]).map(toRun);
  }

  /** Runs that are pending or running, oldest first: what recovery resumes. */
  unfinishedRuns(): StoredRun[] {
    return (this.s.unfinished!.all() as RunRow[]).map(toRun);
  }

  setRunRunning(pipelineId: string, runId: number): void {
    this.group.begin();
    this.s.setRunRunning!.run(pipelineId, runId);
  }

  completeRun(pipelineId: string, runId: number, status: RunStatus, reason: { reason: string; description: string } | undefined): void {
    this.group.begin();
    this.s.completeRun!.run(status, reason ? JSON.stringify(reason) : null, this.clock.now(), pipelineId, runId);
  }

  requestCancel(pipelineId: string, runId: number): void {
    this.group.begin();
    this.s.requestCancel!.run(pipelineId, runId);
  }

  /** Records why a run is being cancelled (kept for its final status after a restart). */
  setCancelDescription(pipelineId: string, runId: number, description: string): void {
    this.group.begin();
    this.s.setCancelDescription!.run(description, pipelineId, runId);
  }

  tasks(pipelineId: string, runId: number): StoredTask[] {
    return (this.s.tasks!.all(pipelineId, runId) as TaskRow[]).map(toTask);
  }

  /** The run's tasks a single-task cancel was asked for (tasks.cancel). */
  cancelRequestedTasks(pipelineId: string, runId: number): StoredTask[] {
    return (this.s.cancelRequestedTasks!.all(pipelineId, runId) as TaskRow[]).map(toTask);
  }

  task(pipelineId: string, runId: number, taskId: string): StoredTask {
    const row = this.s.task!.get(pipelineId, runId, taskId) as TaskRow | undefined;
    if (!row)
      throw new GoferError('ERR_NOT_FOUND', `Run ${runId} of pipeline "${pipelineId}" has no task "${taskId}".`, { details: { pipelineId, runId, taskId } });
    return toTask(row);
  }

  /** Recorded before startContainer is called: the final variables and one more attempt. */
  taskStarting(pipelineId: string, runId: number, taskId: string, variables: TaskVariable[]): void {
    this.group.begin();
    this.s.taskStarting!.run(JSON.stringify(variables), pipelineId, runId, taskId);
  }

  /** Recorded right after startContainer resolved. */
  taskRunning(pipelineId: string, runId: number, taskId: string, schedulerId: string, started: number): void {
    this.group.begin();
    this.s.taskRunning!.run(schedulerId, started, pipelineId, runId, taskId);
  }

  /** Replaces the variables recorded at taskStarting (the scheduler named other keys for the secrets). */
  taskVariables(pipelineId: string, runId: number, taskId: string, variables: TaskVariable[]): void {
    this.group.begin();
    this.s.taskVariables!.run(JSON.stringify(variables), pipelineId, runId, taskId);
  }

  /** An approval gate starts waiting: its request is recorded before the timer is set. False when it was not `processing`. */
  approvalWaiting(pipelineId: string, runId: number, taskId: string, approval: TaskApproval): boolean {
    this.group.begin();
    return this.s.approvalWaiting!.run(JSON.stringify(approval), approval.requested, pipelineId, runId, taskId).changes === 1;
  }

  /**
   * Records the decision of a waiting approval gate (the caller completes the task in the same
   * turn, so both commit together). False when the task no longer waits: a decision is applied once.
   */
  approvalDecided(pipelineId: string, runId: number, taskId: string, approval: TaskApproval, decision: ApprovalDecision): boolean {
    this.group.begin();
    return this.s.approvalDecided!.run(JSON.stringify({ ...approval, decision }), pipelineId, runId, taskId).changes === 1;
  }

  taskComplete(
    pipelineId: string,
    runId: number,
    taskId: string,
    status: TaskExecutionStatus,
    reason: { reason: TaskExecutionReason; description: string } | undefined,
    exitCode: number | undefined,
    outputs?: readonly StoredOutput[],
  ): number {
    this.group.begin();
    const ended = this.clock.now();
    const outputsJson = outputs ? JSON.stringify(outputs) : null;
    this.s.taskComplete!.run(status, reason ? JSON.stringify(reason) : null, exitCode ?? null, ended, outputsJson, pipelineId, runId, taskId);
    return ended;
  }

  /**
   * An attempt ended with a reason worth retrying: keeps it in task_attempts and makes the row
   * the next attempt, `retrying` until `retryAt`. One transaction, so a restart sees either
   * the ended attempt (and decides again) or the wait.
   */
  taskRetrying(
    pipelineId: string,
    runId: number,
    taskId: string,
    status: TaskExecutionStatus,
    reason: { reason: TaskExecutionReason; description: string },
    exitCode: number | undefined,
    retryAt: number,
  ): void {
    this.transaction(() => {
      this.s.archiveAttempt!.run(status, JSON.stringify(reason), exitCode ?? null, this.clock.now(), retryAt, pipelineId, runId, taskId);
      this.s.nextAttempt!.run(retryAt, pipelineId, runId, taskId);
    });
  }

  /** The attempts that were followed by another, oldest first (the current one is the task row). */
  pastAttempts(pipelineId: string, runId: number, taskId: string): TaskAttempt[] {
    return (this.s.attempts!.all(pipelineId, runId, taskId) as AttemptRow[]).map(toAttempt);
  }

  requestTaskCancel(pipelineId: string, runId: number, taskId: string): void {
    this.group.begin();
    this.s.requestTaskCancel!.run(pipelineId, runId, taskId);
  }

  /** The run's own time limit (recorded at creation, when it has one). */
  setRunTimeout(pipelineId: string, runId: number, timeoutMs: number): void {
    this.group.begin();
    this.s.runTimeout!.run(timeoutMs, pipelineId, runId);
  }

  /** When the run times out: recorded as it starts running, so a restart keeps the same deadline. */
  setRunDeadline(pipelineId: string, runId: number, deadline: number): void {
    this.group.begin();
    this.s.runDeadline!.run(deadline, pipelineId, runId);
  }

  setCancelReason(pipelineId: string, runId: number, reason: RunCancelReason): void {
    this.group.begin();
    this.s.cancelReason!.run(reason, pipelineId, runId);
  }

  /** Runs of `pipelineId` with ids at or below `runId` (for log retention). */
  runIdsAtOrBelow(pipelineId: string, runId: number): number[] {
    return (this.db.prepare('SELECT run_id FROM runs WHERE pipeline_id = ? AND run_id <= ?').all(pipelineId, runId) as Array<{ run_id: number }>).map(
      (r) => r.run_id,
    );
  }

  /** Removes every run and task execution of a pipeline. */
  deletePipeline(pipelineId: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM task_executions WHERE pipeline_id = ?').run(pipelineId);
      this.db.prepare('DELETE FROM task_attempts WHERE pipeline_id = ?').run(pipelineId);
      this.db.prepare('DELETE FROM runs WHERE pipeline_id = ?').run(pipelineId);
    })();
  }

  /** Resolves once every write so far is committed: await it before acting on the scheduler. */
  durable(): Promise<void> {
    return this.group.durable();
  }

  /** Runs a function in one transaction (used to batch several writes). */
  transaction<T>(fn: () => T): T {
    this.group.begin();
    return this.inTransaction(fn) as T;
  }
}

export const RUN_STORE = token<RunStore>('gofer.run-store');
