/** A Gofer core with the process scheduler and the given extensions, for extension-host tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger, type GoferConfigInput, type PluginDefinition } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import { startGofer } from '../../../core/src/composition/start-gofer.js';

export async function goferForExtensions(opts: { plugins?: PluginDefinition[]; config?: Partial<GoferConfigInput> } = {}) {
  const logger = memoryLogger('debug');
  const { gofer, container } = await startGofer({
    useEnv: false,
    logger,
    plugins: [processScheduler, ...(opts.plugins ?? [])],
    config: { dataDir: ':memory:', scheduler: 'process', discover: false, stopTimeoutMs: 200, ...opts.config },
  });
  return { gofer, container, logger };
}

/** A temporary data directory, removed by the returned function. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gofer-ext-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The whole stored output of a task, as text. */
export async function taskOutput(
  gofer: { tasks: { logs(p: string, r: number, t: string): AsyncIterable<Uint8Array> } },
  pipelineId: string,
  runId: number,
  taskId: string,
): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of gofer.tasks.logs(pipelineId, runId, taskId)) text += decoder.decode(chunk, { stream: true });
  return text;
}
