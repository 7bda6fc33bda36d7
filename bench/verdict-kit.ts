/**
 * One verdict line per benchmark row, and the record `npm run bench` gathers into its summary
 * table. Every row compares Gofer with a baseline measured in the same run; the goal is a bound
 * on their ratio (or, for rows without a ratio, on a value), so the verdict reads the same on a
 * fast or a slow machine.
 */
import { appendFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** `<=` for "Gofer may cost at most this many times the baseline", `>=` for "at least". */
export type GoalOp = '<=' | '>=';

export interface VerdictRow {
  /** Short name of the row, unique over all benchmarks, e.g. `process chain of 20`. */
  row: string;
  /** Gofer's figure, with its unit, e.g. `13.4 ms/step`. */
  gofer: string;
  /** The baseline's figure and what it is, e.g. `3.1 ms/step raw spawn`. */
  baseline: string;
  /** The value the goal bounds (usually Gofer over the baseline, as a factor). */
  value: number;
  op: GoalOp;
  goal: number;
  /** Unit of `value` and `goal`; default `x` (a ratio). */
  unit?: string;
}

export interface VerdictRecord extends VerdictRow {
  met: boolean;
  script: string;
  load1: number;
}

/** True when `value` is within the goal. */
export function meets(value: number, op: GoalOp, goal: number): boolean {
  return op === '<=' ? value <= goal : value >= goal;
}

function format(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/**
 * Prints `row: gofer G, baseline B, V (goal op N) MET|NOT MET` and, when the bench runner set
 * `GOFER_BENCH_SUMMARY` to a file, appends the row there as one JSON line.
 */
export function verdict(r: VerdictRow): boolean {
  const unit = r.unit ?? 'x';
  const met = meets(r.value, r.op, r.goal);
  console.log(`  ${r.row}: gofer ${r.gofer}, baseline ${r.baseline} -> ${format(r.value)}${unit} (goal ${r.op} ${r.goal}${unit}) ${met ? 'MET' : 'NOT MET'}`);
  const file = process.env.GOFER_BENCH_SUMMARY;
  if (file) {
    const record: VerdictRecord = { ...r, unit, met, script: process.argv[1]?.split('/').pop() ?? '', load1: Number(loadavg()[0]!.toFixed(1)) };
    appendFileSync(file, `${JSON.stringify(record)}\n`);
  }
  return met;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
