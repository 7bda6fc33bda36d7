/**
 * How the CLI prints: aligned tables for people, JSON with `--json` for scripts, colours only
 * when stdout is a terminal and NO_COLOR is unset (FORCE_COLOR=1 forces them on).
 */

/** Whether to colour output written to `stream`. */
export function useColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], cyan: [36, 39], grey: [90, 39] } as const;
export type Style = keyof typeof CODES;

/** Styles text when colours are on; otherwise returns it unchanged. */
export function paint(style: Style, text: string, on = useColour()): string {
  if (!on) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** The colour a run or task status is shown in. */
export function statusStyle(status: string): Style {
  if (status === 'successful' || status === 'active') return 'green';
  if (status === 'failed' || status === 'error') return 'red';
  if (status === 'cancelled' || status === 'skipped' || status === 'disabled') return 'yellow';
  if (status === 'running') return 'cyan';
  return 'grey';
}

// eslint-disable-next-line no-control-regex -- ANSI colour escapes
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

/** An aligned table: a header row, then one row per item. Empty lists print "(none)". */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return paint('dim', '(none)');
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => stripAnsi(r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - stripAnsi(c).length))).join('  ');
  return [paint('bold', line(headers)), ...rows.map(line)].join('\n');
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, or "-" when absent. */
export function time(ms: number | undefined): string {
  if (!ms) return '-';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** A short duration: `850ms`, `12.3s`, `4m05s`. */
export function duration(start: number | undefined, end: number | undefined = Date.now()): string {
  if (!start) return '-';
  const ms = Math.max(0, end - start);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** Writes one line (or JSON) to stdout. */
export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Pretty JSON for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
