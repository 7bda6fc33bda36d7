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
  type TaskConfig,
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
  cancel_reason: string | null;
  started: number;
  ended: number | null;
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
}

/** A run as the orchestrator needs it: the public shape plus recovery facts. */
export interface StoredRun extends Run {
  cancelRequested: boolean;
  /** Global creation order, used for FIFO admission. */
  seq: number;
  /** Why the run was cancelled, when someone said (a newer run of its concurrency group). */
  cancelReason?: string;
}

/** What a run's creation writes besides its rows: its group, and a rerun's carried-over tasks. */
export interface RunCreationExtras {
  concurrencyGroup?: string;
  /** A rerun: the run it reruns, and the completed task rows of that run to copy instead of running. */
  rerun?: { fromRunId: number; carried: readonly StoredTask[] };
}

/** A task execution plus recovery facts. */
export interface StoredTask extends TaskExecution {
  /** How many times startContainer was (about to be) called. */
  startAttempts: number;
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
  if (row.concurrency_group !== null) run.concurrencyGroup = row.concurrency_group;
  if (row.cancel_reason !== null) run.cancelReason = row.cancel_reason;
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
    startAttempts: row.start_attempts,
  };
  if (row.status_reason) task.statusReason = JSON.parse(row.status_reason) as TaskExecution['statusReason'];
  if (row.exit_code !== null) task.exitCode = row.exit_code;
  if (row.scheduler_id !== null) task.schedulerId = row.scheduler_id;
  if (row.started !== null) task.started = row.started;
  if (row.ended !== null) task.ended = row.ended;
  if (row.carried_from !== null) task.carriedFrom = { runId: row.carried_from };
  return task;
}

/** Strips the recovery-only fields for the public API. */
export function publicRun(run: StoredRun): Run {
  const { cancelRequested: _c, seq: _s, cancelReason: _r, ...rest } = run;
  return rest;
}

/** Strips the recovery-only fields for the public API. */
export function publicTask(task: StoredTask): TaskExecution {
  const { startAttempts: _a, ...rest } = task;
  return rest;
}

/** Runs and task executions in SQLite (see the file comment). */
@injectable(DATABASE, GROUP_COMMIT, CLOCK)
export class RunStore {
  private readonly s: Record<string, SqliteStatement>;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly group: GroupCommit,
    private readonly clock: Clock,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      nextRunId: p('UPDATE pipelines SET last_run_id = last_run_id + 1 WHERE pipeline_id = ? RETURNING last_run_id'),
      insertRun: p(
        "INSERT INTO runs (pipeline_id, run_id, version, state, status, initiator, variables, started, concurrency_group) VALUES (?, ?, ?, 'pending', 'unknown', ?, ?, ?, ?) RETURNING seq",
      ),
      insertTask: p(
        "INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, created) VALUES (?, ?, ?, ?, 'processing', 'unknown', ?)",
      ),
      // A rerun's carried-over task: the source row's result, linked to the run it came from.
      insertCarried: p(
        "INSERT INTO task_executions (pipeline_id, run_id, task_id, image, state, status, status_reason, exit_code, variables, created, started, ended, carried_from) VALUES (?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      copyRunObjects: p(
        'INSERT INTO objects (pipeline_id, run_id, key, value, created) SELECT pipeline_id, ?, key, value, created FROM objects WHERE pipeline_id = ? AND run_id = ? ORDER BY seq',
      ),
      setCancelReason: p('UPDATE runs SET cancel_reason = ? WHERE pipeline_id = ? AND run_id = ?'),
      getRun: p('SELECT * FROM runs WHERE pipeline_id = ? AND run_id = ?'),
      listRuns: p('SELECT * FROM runs WHERE pipeline_id = ? ORDER BY run_id DESC LIMIT ?'),
      unfinished: p("SELECT * FROM runs WHERE state != 'complete' ORDER BY seq"),
      setRunRunning: p("UPDATE runs SET state = 'running' WHERE pipeline_id = ? AND run_id = ?"),
      completeRun: p("UPDATE runs SET state = 'complete', status = ?, status_reason = ?, ended = ? WHERE pipeline_id = ? AND run_id = ?"),
      requestCancel: p('UPDATE runs SET cancel_requested = 1 WHERE pipeline_id = ? AND run_id = ?'),
      tasks: p('SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ?'),
      task: p('SELECT * FROM task_executions WHERE pipeline_id = ? AND run_id = ? AND task_id = ?'),
      taskStarting: p(
        "UPDATE task_executions SET state = 'waiting', variables = ?, start_attempts = start_attempts + 1 WHERE pipeline_id = ? AND run_id = ? AND task_id = ?",
      ),
      taskRunning: p("UPDATE task_executions SET state = 'running', scheduler_id = ?, started = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?"),
      taskVariables: p('UPDATE task_executions SET variables = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?'),
      taskComplete: p(
        "UPDATE task_executions SET state = 'complete', status = ?, status_reason = ?, exit_code = ?, ended = ? WHERE pipeline_id = ? AND run_id = ? AND task_id = ?",
      ),
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
    tasks: readonly TaskConfig[],
    variables: Record<string, string>,
    initiator: RunInitiator,
    extras: RunCreationExtras = {},
  ): StoredRun {
    this.group.begin();
    return this.db.transaction((): StoredRun => {
      const next = this.s.nextRunId!.get(pipelineId) as { last_run_id: number } | undefined;
      if (!next) throw new GoferError('ERR_NOT_FOUND', `There is no pipeline "${pipelineId}".`, { details: { pipelineId } });
      const runId = next.last_run_id;
      const now = this.clock.now();
      const group = extras.concurrencyGroup ?? null;
      const { seq } = this.s.insertRun!.get(pipelineId, runId, version, JSON.stringify(initiator), JSON.stringify(variables), now, group) as { seq: number };
      const carried = new Map((extras.rerun?.carried ?? []).map((t) => [t.taskId, t]));
      for (const task of tasks) {
        const from = carried.get(task.id);
        if (!from) {
          this.s.insertTask!.run(pipelineId, runId, task.id, task.image, now);
          continue;
        }
        // Link to the run that ran it (a task carried twice still points at its real run).
        const origin = from.carriedFrom?.runId ?? from.runId;
        this.s.insertCarried!.run(
          pipelineId,
          runId,
          task.id,
          from.image,
          from.status,
          from.statusReason ? JSON.stringify(from.statusReason) : null,
          from.exitCode ?? null,
          JSON.stringify(from.variables),
          now,
          from.started ?? null,
          from.ended ?? null,
          origin,
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
    })();
  }

  getRun(pipelineId: string, runId: number): StoredRun {
    const row = this.s.getRun!.get(pipelineId, runId) as RunRow | undefined;
    if (!row) throw new GoferError('ERR_NOT_FOUND', `Pipeline "${pipelineId}" has no run ${runId}.`, { details: { pipelineId, runId } });
    return toRun(row);
  }

  listRuns(pipelineId: string, limit = 50): StoredRun[] {
    return (this.s.listRuns!.all(pipelineId, limit) as RunRow[]).map(toRun);
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
  setCancelReason(pipelineId: string, runId: number, description: string): void {
    this.group.begin();
    this.s.setCancelReason!.run(description, pipelineId, runId);
  }

  tasks(pipelineId: string, runId: number): StoredTask[] {
    return (this.s.tasks!.all(pipelineId, runId) as TaskRow[]).map(toTask);
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

  taskComplete(
    pipelineId: string,
    runId: number,
    taskId: string,
    status: TaskExecutionStatus,
    reason: { reason: TaskExecutionReason; description: string } | undefined,
    exitCode: number | undefined,
  ): number {
    this.group.begin();
    const ended = this.clock.now();
    this.s.taskComplete!.run(status, reason ? JSON.stringify(reason) : null, exitCode ?? null, ended, pipelineId, runId, taskId);
    return ended;
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
    return this.db.transaction(fn)();
  }
}

export const RUN_STORE = token<RunStore>('gofer.run-store');
