/**
 * The recent log lines of each extension, kept in memory so `gofer extension logs` can show what
 * an extension said without access to the service's stderr. Every line still goes to Gofer's log.
 */
import type { ExtensionLogLine, LogFields, Logger } from '../api/index.js';
import { injectable, token } from '../kernel/di.js';

/** Lines kept per extension; older ones are dropped. */
export const LOG_LINES_KEPT = 1_000;

const RANK: Record<ExtensionLogLine['level'], number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Ring buffers of log lines, one per extension name. */
@injectable()
export class ExtensionLogBook {
  private readonly lines = new Map<string, ExtensionLogLine[]>();
  private seq = 0;

  append(name: string, level: ExtensionLogLine['level'], message: string, fields: LogFields): void {
    let lines = this.lines.get(name);
    if (!lines) this.lines.set(name, (lines = []));
    lines.push({ seq: ++this.seq, at: Date.now(), level, message, fields });
    if (lines.length > LOG_LINES_KEPT) lines.splice(0, lines.length - LOG_LINES_KEPT);
  }

  /** Lines after `after`, at `level` or above, the most recent `limit` of them, oldest first. */
  read(name: string, opts: { after?: number; limit?: number; level?: ExtensionLogLine['level'] } = {}): ExtensionLogLine[] {
    const min = RANK[opts.level ?? 'debug'];
    const after = opts.after ?? 0;
    const found = (this.lines.get(name) ?? []).filter((l) => l.seq > after && RANK[l.level] >= min);
    const limit = opts.limit ?? LOG_LINES_KEPT;
    return found.slice(Math.max(0, found.length - limit));
  }

  /** A logger that writes to `logger` and records each line (with the child's bindings) under `name`. */
  tee(name: string, logger: Logger, bindings: LogFields = {}): Logger {
    const line =
      (level: ExtensionLogLine['level']) =>
      (message: string, fields?: LogFields): void => {
        logger[level](message, fields);
        this.append(name, level, message, { ...bindings, ...fields });
      };
    return {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      child: (more) => this.tee(name, logger.child(more), { ...bindings, ...more }),
    };
  }
}

/** The extensions' recent log lines (filled by the plugin host, read by the extensions API). */
export const EXTENSION_LOG_BOOK = token<ExtensionLogBook>('gofer.extension-log-book');
