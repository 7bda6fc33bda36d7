/**
 * Retention as a sweep, so that it holds under any concurrency: of each pipeline's ended runs,
 * the newest `logRetentionRuns` keep their task logs and every older ended run loses them (and
 * its run objects past the newest `runObjectExpiry` ended runs). A run still running is never
 * touched; when it ends, the sweep that its end triggers removes what falls outside the window,
 * so nothing written late escapes (deleting "run N-20 when run N is created" missed every log
 * written after that moment). Events are kept by age (`eventRetentionDays`) and count
 * (`eventRetentionCount`).
 *
 * Sweeps run at start-up (for everything), synchronously when a run completes (for its
 * pipeline; `run.completed` is published once the run's end is recorded and its logs are
 * closed), and for events at most once a minute as runs complete, plus hourly.
 */
import type { Clock, GoferConfig, Logger } from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { CLOCK, CONFIG, LOGGER } from '../kernel/tokens.js';
import { LOG_STORE, type LogStore } from '../logs/log-store.js';
import { DATABASE, type SqliteDatabase } from '../stores/database.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Least time between two event sweeps triggered by run ends. */
const EVENT_SWEEP_GAP_MS = 60_000;
const EVENT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** What one sweep removed. */
export interface SweepResult {
  runLogsRemoved: number;
  runObjectsRemoved: number;
  eventsRemoved: number;
}

/** The retention sweeps of one Gofer instance; see the file comment. */
@injectable(CONFIG, LOGGER, DATABASE, LOG_STORE, EVENT_BUS, CLOCK)
export class Retention {
  private readonly nthEnded;
  private readonly logsToRemove;
  private readonly markRemoved;
  private readonly objectsOfOldRuns;
  private readonly pipelinesToSweep;
  private readonly eventsBefore;
  private readonly eventAtOffset;
  private readonly eventsUpTo;
  private lastEventSweep = 0;
  /**
   * Per pipeline, how many ended runs it has: counted by its last full sweep (capped just past
   * the larger window), plus the run ends heard since. While that is within a window, a run's end
   * skips that window's queries: finding the Nth newest ended run walks N index entries, so with a
   * large `logRetentionRuns` every run's end walked every ended run of its pipeline. Only ever
   * too high (runs are deleted, never un-ended): a count too high just runs the queries.
   */
  private readonly endedRuns = new Map<string, number>();
  private readonly countEnded;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: GoferConfig,
    private readonly logger: Logger,
    db: SqliteDatabase,
    private readonly logs: LogStore,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {
    // The partial indexes of core migration 6, named: each holds only the rows the query wants
    // (ended runs; runs that still have their logs), where the planner, without statistics,
    // could pick the other and walk every run of the pipeline.
    this.nthEnded = db.prepare<[string, number], { run_id: number }>(
      "SELECT run_id FROM runs INDEXED BY runs_ended WHERE pipeline_id = ? AND state = 'complete' ORDER BY run_id DESC LIMIT 1 OFFSET ?",
    );
    this.logsToRemove = db.prepare<[string, number], { run_id: number }>(
      "SELECT run_id FROM runs INDEXED BY runs_logs_kept WHERE pipeline_id = ? AND state = 'complete' AND logs_removed = 0 AND run_id < ?",
    );
    this.markRemoved = db.prepare<[string, number]>('UPDATE runs SET logs_removed = 1 WHERE pipeline_id = ? AND run_id = ?');
    this.objectsOfOldRuns = db.prepare<[string, number]>(
      // A range of the objects (those left are of recent runs), not a list of every older run.
      "DELETE FROM objects WHERE pipeline_id = ? AND run_id > 0 AND run_id < ? AND EXISTS (SELECT 1 FROM runs WHERE runs.pipeline_id = objects.pipeline_id AND runs.run_id = objects.run_id AND runs.state = 'complete')",
    );
    this.countEnded = db.prepare<[string, number], { n: number }>(
      "SELECT count(*) AS n FROM (SELECT 1 FROM runs INDEXED BY runs_ended WHERE pipeline_id = ? AND state = 'complete' LIMIT ?)",
    );
    this.pipelinesToSweep = db.prepare<[], { pipeline_id: string }>(
      "SELECT DISTINCT pipeline_id FROM runs INDEXED BY runs_logs_kept WHERE state = 'complete' AND logs_removed = 0",
    );
    this.eventsBefore = db.prepare<[number]>('DELETE FROM events WHERE at < ?');
    this.eventAtOffset = db.prepare<[number], { id: number }>('SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?');
    this.eventsUpTo = db.prepare<[number]>('DELETE FROM events WHERE id <= ?');
  }

  /** Sweeps everything once, then sweeps as runs complete. */
  start(): SweepResult {
    const result = { runLogsRemoved: 0, runObjectsRemoved: 0, ...this.sweepEvents() };
    for (const { pipeline_id } of this.pipelinesToSweep.all()) {
      const one = this.sweepPipeline(pipeline_id);
      result.runLogsRemoved += one.runLogsRemoved;
      result.runObjectsRemoved += one.runObjectsRemoved;
    }
    if (result.runLogsRemoved + result.runObjectsRemoved + result.eventsRemoved > 0) this.logger.info('retention at start-up', { ...result });
    this.unsubscribe = this.bus.subscribe((e) => {
      if (e.type !== 'run.completed') return;
      this.guarded(() => this.runEnded(e.payload.pipelineId));
      if (Date.now() - this.lastEventSweep >= EVENT_SWEEP_GAP_MS) this.guarded(() => this.sweepEvents());
    });
    this.timer = setInterval(() => this.guarded(() => this.sweepEvents()), EVENT_SWEEP_INTERVAL_MS);
    this.timer.unref();
    return result;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.timer);
  }

  /** Removes the logs (and run objects) of the pipeline's ended runs outside the windows. */
  sweepPipeline(pipelineId: string): Omit<SweepResult, 'eventsRemoved'> {
    const result = this.sweep(pipelineId, true, true);
    const cap = Math.max(this.config.logRetentionRuns, this.config.runObjectExpiry) + 1;
    this.endedRuns.set(pipelineId, this.countEnded.get(pipelineId, cap)!.n);
    return result;
  }

  /** A run of the pipeline ended: sweeps the windows its ended runs may now exceed (see endedRuns). */
  private runEnded(pipelineId: string): void {
    const known = this.endedRuns.get(pipelineId);
    if (known === undefined) {
      this.sweepPipeline(pipelineId);
      return;
    }
    const ended = known + 1;
    this.endedRuns.set(pipelineId, ended);
    const logs = ended > this.config.logRetentionRuns;
    const objects = ended > this.config.runObjectExpiry;
    if (logs || objects) this.sweep(pipelineId, logs, objects);
  }

  private sweep(pipelineId: string, logs: boolean, objects: boolean): Omit<SweepResult, 'eventsRemoved'> {
    let runLogsRemoved = 0;
    let runObjectsRemoved = 0;
    const logCutoff = logs ? this.nthEnded.get(pipelineId, this.config.logRetentionRuns - 1) : undefined;
    if (logCutoff) {
      for (const { run_id } of this.logsToRemove.all(pipelineId, logCutoff.run_id)) {
        // Files first: a crash in between leaves the run unmarked, and the next sweep removes nothing twice.
        this.logs.deleteRun(pipelineId, run_id);
        this.markRemoved.run(pipelineId, run_id);
        runLogsRemoved++;
      }
    }
    const objectCutoff = objects ? this.nthEnded.get(pipelineId, this.config.runObjectExpiry - 1) : undefined;
    if (objectCutoff) runObjectsRemoved = this.objectsOfOldRuns.run(pipelineId, objectCutoff.run_id).changes;
    return { runLogsRemoved, runObjectsRemoved };
  }

  /** Deletes events older than `eventRetentionDays` and beyond the newest `eventRetentionCount`. */
  sweepEvents(now = this.clock.now()): { eventsRemoved: number } {
    // The pacing of sweeps is real time; an event's age is on the clock its time came from.
    this.lastEventSweep = Date.now();
    let eventsRemoved = 0;
    if (this.config.eventRetentionDays > 0) eventsRemoved += this.eventsBefore.run(now - this.config.eventRetentionDays * DAY_MS).changes;
    if (this.config.eventRetentionCount > 0) {
      const oldestDropped = this.eventAtOffset.get(this.config.eventRetentionCount);
      if (oldestDropped) eventsRemoved += this.eventsUpTo.run(oldestDropped.id).changes;
    }
    return { eventsRemoved };
  }

  /** A failed sweep is logged; the next one retries (it only removes, and marks what it did). */
  private guarded(sweep: () => unknown): void {
    try {
      sweep();
    } catch (err) {
      this.logger.warn('retention sweep failed; the next one retries', { error: (err as Error).message });
    }
  }
}

export const RETENTION = token<Retention>('gofer.retention');
