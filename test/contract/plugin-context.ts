/**
 * A plain PluginContext for scheduler tests: a memory logger, a data directory, an in-memory
 * state store. Pass the same `dataDir` to a second context to play "the core restarted".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginContext, PluginStateStore } from '@gofer/core/api';
import { memoryLogger } from '../../core/src/kernel/logger.js';

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

function memoryState(): PluginStateStore {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key),
    set: async (key, value) => { values.set(key, value); },
    delete: async (key) => { values.delete(key); },
  };
}

/** A context for a scheduler plugin, with its logger entries exposed for assertions. */
export function testContext(name: string, dataDir: string): PluginContext & { logger: ReturnType<typeof memoryLogger> } {
  return {
    kind: 'scheduler',
    name,
    logger: memoryLogger('debug'),
    events: { subscribe: () => () => {} },
    dataDir,
    state: memoryState(),
    signal: new AbortController().signal,
  };
}
