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
  return new BoundLogger(RANK[level], sink, bindings);
}

/**
 * Methods on the prototype, not closures per logger: a run makes a child logger, and each of its
 * tasks another, so a child must cost one small object.
 */
class BoundLogger implements Logger {
  constructor(
    private readonly threshold: number,
    private readonly sink: LogSink,
    private readonly bindings: LogFields,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }

  child(more: LogFields): Logger {
    return new BoundLogger(this.threshold, this.sink, { ...this.bindings, ...more });
  }

  private emit(lvl: LogEntry['level'], message: string, fields?: LogFields): void {
    if (RANK[lvl] < this.threshold) return;
    this.sink({ level: lvl, message, fields: { ...this.bindings, ...fields }, at: Date.now() });
  }
}

/** A logger that keeps entries in memory: for tests. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return Object.assign(
    createLogger(level, (e) => entries.push(e)),
    { entries },
  );
}
