/**
 * A plain ExtensionContext for testing an extension without a Gofer core: startRun records the
 * request and answers with an increasing run id; state lives in a Map the test can keep
 * across "restarts".
 */
import type { ExtensionContext, Logger, RunRef, StartRunRequest } from '@gofer/core/api';
import { memoryLogger } from '@gofer/core';

export interface FakeContext extends ExtensionContext {
  started: StartRunRequest[];
  stateMap: Map<string, string>;
  logger: Logger & { entries: Array<{ level: string; message: string; fields: Record<string, unknown> }> };
  abort(): void;
}

export function fakeContext(
  opts: { state?: Map<string, string>; dataDir?: string; startRun?: (req: StartRunRequest) => Promise<RunRef>; secrets?: Record<string, string> } = {},
): FakeContext {
  const started: StartRunRequest[] = [];
  const stateMap = opts.state ?? new Map<string, string>();
  const controller = new AbortController();
  const byEvent = new Map<string, RunRef>();
  const logger = memoryLogger('debug');
  return {
    kind: 'extension',
    name: 'test',
    logger,
    events: { subscribe: () => () => undefined },
    dataDir: opts.dataDir ?? '/nonexistent',
    signal: controller.signal,
    state: {
      get: async (k) => stateMap.get(k),
      set: async (k, v) => void stateMap.set(k, v),
      delete: async (k) => void stateMap.delete(k),
    },
    runs: {
      get: async (pipelineId, runId) => {
        throw Object.assign(new Error(`no run ${pipelineId}/${runId} in the fake context`), { code: 'ERR_NOT_FOUND' });
      },
      list: async () => [],
    },
    secret: async (key) => opts.secrets?.[key],
    started,
    stateMap,
    abort: () => controller.abort(),
    startRun: async (req) => {
      if (opts.startRun) return opts.startRun(req);
      const key = req.eventId && `${req.subscriptionId}/${req.eventId}`;
      if (key && byEvent.has(key)) return byEvent.get(key)!;
      started.push(req);
      const ref = { pipelineId: 'p', runId: started.length };
      if (key) byEvent.set(key, ref);
      return ref;
    },
  };
}
