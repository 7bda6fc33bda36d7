/**
 * A plain PluginContext for scheduler tests: a memory logger, a data directory, an in-memory
 * state store. Pass the same `dataDir` to a second context to play "the core restarted".
 * Built from the public types only (the core's own logger is internal).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogFields, Logger, PluginContext, PluginStateStore } from '@gofer/core/api';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  made.push(dir);
  return dir;
}

/** One line a plugin logged through a {@link MemoryLogger}. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** The fields of the line, with the bindings of `child()` loggers. */
  fields: LogFields;
}

/** A logger that keeps every line, for assertions; child loggers add to the same list. */
export type MemoryLogger = Logger & { entries: LogEntry[] };

/** A logger that keeps its lines in `entries` instead of printing them. */
export function memoryLogger(): MemoryLogger {
  const entries: LogEntry[] = [];
  const make = (bindings: LogFields): Logger => {
    const emit = (level: LogEntry['level']) => (message: string, fields?: LogFields) => {
      entries.push({ level, message, fields: { ...bindings, ...fields } });
    };
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return Object.assign(make({}), { entries });
}

/** A persistent-for-the-process key/value store, the plugin's `ctx.state`. */
export function memoryState(): PluginStateStore {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key),
    set: async (key, value) => {
      values.set(key, value);
    },
    delete: async (key) => {
      values.delete(key);
    },
  };
}

/** The context {@link testContext} builds: its logger's lines are readable. */
export type TestPluginContext = PluginContext & { logger: MemoryLogger };

/**
 * A context for a scheduler plugin under test, as the core would pass to its `create`. No events
 * are published, and the signal is never aborted. `dataDir` must exist (see {@link tempDir}).
 */
export function testContext(name: string, dataDir: string): TestPluginContext {
  return {
    kind: 'scheduler',
    name,
    logger: memoryLogger(),
    events: { subscribe: () => () => {} },
    dataDir,
    state: memoryState(),
    signal: new AbortController().signal,
  };
}
