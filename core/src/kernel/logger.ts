/** A small structured logger: one line per entry, human-readable on a terminal, JSON otherwise. */
import type { LogFields, Logger } from '../api/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LogEntry {
  level: Exclude<LogLevel, 'silent'>;
  message: string;
  fields: LogFields;
  at: number;
}

export type LogSink = (entry: LogEntry) => void;

/** Writes to stderr: `LEVEL message key=value` on a TTY, JSON lines otherwise. */
export function stderrSink(json = !process.stderr.isTTY): LogSink {
  return (entry) => {
    if (json) {
      process.stderr.write(`${JSON.stringify({ at: new Date(entry.at).toISOString(), level: entry.level, msg: entry.message, ...entry.fields })}\n`);
      return;
    }
    const extras = Object.entries(entry.fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    process.stderr.write(`${entry.level.toUpperCase().padEnd(5)} ${entry.message}${extras ? ` ${extras}` : ''}\n`);
  };
}

export function createLogger(level: LogLevel = 'info', sink: LogSink = stderrSink(), bindings: LogFields = {}): Logger {
  const threshold = RANK[level];
  const emit = (lvl: LogEntry['level'], message: string, fields?: LogFields) => {
    if (RANK[lvl] < threshold) return;
    sink({ level: lvl, message, fields: { ...bindings, ...fields }, at: Date.now() });
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (more) => createLogger(level, sink, { ...bindings, ...more }),
  };
}

/** A logger that keeps entries in memory: for tests. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return Object.assign(
    createLogger(level, (e) => entries.push(e)),
    { entries },
  );
}
