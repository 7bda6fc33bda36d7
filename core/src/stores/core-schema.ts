/** The core's own tables, as versioned migrations (module "core"). Append; never edit. */
import type { Migration } from './migrations.js';

/** The core schema, version N being entry N. */
export const CORE_MIGRATIONS: readonly Migration[] = [
  // 1: events, plugin state, pipelines, runs, task executions, secrets, objects, run tokens.
  `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE plugin_state (
    plugin TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (plugin, key)
  ) WITHOUT ROWID;
  CREATE TABLE pipelines (
    pipeline_id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    live_version INTEGER NOT NULL,
    latest_version INTEGER NOT NULL,
    last_run_id INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
  );
  CREATE TABLE pipeline_versions (
    pipeline_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    config TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (pipeline_id, version)
  );
  CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    initiator TEXT NOT NULL,
    variables TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    started INTEGER NOT NULL,
    ended INTEGER,
    UNIQUE (pipeline_id, run_id)
  );
  CREATE INDEX runs_unfinished ON runs (state) WHERE state != 'complete';
  CREATE TABLE task_executions (
    pipeline_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    image TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    exit_code INTEGER,
    scheduler_id TEXT,
    start_attempts INTEGER NOT NULL DEFAULT 0,
    variables TEXT NOT NULL DEFAULT '[]',
    created INTEGER NOT NULL,
    started INTEGER,
    ended INTEGER,
    PRIMARY KEY (pipeline_id, run_id, task_id)
  ) WITHOUT ROWID;
  CREATE TABLE secrets (
    pipeline_id TEXT NOT NULL,
    key TEXT NOT NULL,
    iv BLOB NOT NULL,
    tag BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (pipeline_id, key)
  );
  CREATE TABLE objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    created INTEGER NOT NULL,
    UNIQUE (pipeline_id, run_id, key)
  );
  CREATE TABLE run_tokens (
    token_hash TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER
  );
  CREATE INDEX run_tokens_run ON run_tokens (pipeline_id, run_id);
  `,
  // 2: retention sweeps. Which ended runs already lost their logs (so a sweep visits each run
  // once), and events by age.
  `
  ALTER TABLE runs ADD COLUMN logs_removed INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX events_at ON events (at);
  `,
  // Retries, single-task cancel, run timeout (issue 15, items 2-4). The task_executions row is
  // the current (or last) attempt; every attempt that was followed by another is kept in
  // task_attempts. retry_at is set while the task waits its backoff (state 'retrying'), so a
  // restart resumes the wait. A run's deadline is set when it starts running.
  `
  ALTER TABLE task_executions ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE task_executions ADD COLUMN retry_at INTEGER;
  ALTER TABLE task_executions ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE task_attempts (
    pipeline_id TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    task_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    exit_code INTEGER,
    scheduler_id TEXT,
    started INTEGER,
    ended INTEGER,
    retry_at INTEGER,
    PRIMARY KEY (pipeline_id, run_id, task_id, attempt)
  ) WITHOUT ROWID;
  ALTER TABLE runs ADD COLUMN timeout_ms INTEGER;
  ALTER TABLE runs ADD COLUMN deadline INTEGER;
  ALTER TABLE runs ADD COLUMN cancel_reason TEXT;
  `,
  // Approval gates (issue 15, item 6): a task's kind, and an approval gate's request and decision (JSON).
  `
  ALTER TABLE task_executions ADD COLUMN kind TEXT;
  ALTER TABLE task_executions ADD COLUMN approval TEXT;
  `,
  // 3 (reruns, concurrency groups): a run's resolved concurrency group, fixed at creation so a
  // queued run is admitted in its group after a restart; the description of why a run was
  // cancelled (a newer run of its group); the run a carried-over task execution copies.
  `
  ALTER TABLE runs ADD COLUMN concurrency_group TEXT;
  ALTER TABLE runs ADD COLUMN cancel_description TEXT;
  ALTER TABLE task_executions ADD COLUMN carried_from INTEGER;
  `,
  // Indexes for big stores (issue 17): every list and get reads a range of an index, and the
  // queries that run as each run completes touch what is still to do, not every run ever.
  // Recovery's unfinished runs in creation order; retention's runs whose logs are still kept (a
  // sweep and the start-up's pipelines to sweep) and its Nth newest ended run (walking the
  // runs index instead stepped over every unfinished run newer than it); a pipeline's or a
  // run's objects in order; pipelines of one namespace by id.
  `
  DROP INDEX runs_unfinished;
  CREATE INDEX runs_unfinished ON runs (seq) WHERE state != 'complete';
  CREATE INDEX runs_logs_kept ON runs (pipeline_id, run_id) WHERE logs_removed = 0;
  CREATE INDEX runs_ended ON runs (pipeline_id, run_id) WHERE state = 'complete';
  CREATE INDEX objects_scope_seq ON objects (pipeline_id, run_id, seq);
  CREATE INDEX pipelines_namespace ON pipelines (namespace, pipeline_id);
  `,
  // Tasks that work together (issue 18): what a task wrote to $GOFER_OUTPUT (JSON, secret
  // values sealed with the secret key), which matrix combination an execution is (JSON), and
  // whether it may fail without failing the run.
  `
  ALTER TABLE task_executions ADD COLUMN outputs TEXT;
  ALTER TABLE task_executions ADD COLUMN matrix TEXT;
  ALTER TABLE task_executions ADD COLUMN allow_failure INTEGER NOT NULL DEFAULT 0;
  `,
];
