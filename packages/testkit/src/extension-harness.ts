/**
 * The extension harness: a fake {@link ExtensionContext} that records every `startRun`, so an
 * extension's trigger logic can be tested without a Gofer core. Built from the public types only.
 */
import type { Extension, ExtensionContext, ExtensionDefinition, GoferEvent, Run, RunRef, StartRunRequest, Subscription } from '@gofer/core/api';
import { memoryLogger, type MemoryLogger } from './plugin-context.js';

/** What {@link extensionContext} takes. */
export interface ExtensionContextOptions {
  /** The extension's name (default "test"). */
  name?: string;
  /** The plugin's data directory (default: a path that does not exist; give a {@link tempDir} if it writes files). */
  dataDir?: string;
  /** `ctx.state`'s values: pass the same Map to a second context to play "Gofer restarted". */
  state?: Map<string, string>;
  /** Global secrets `ctx.secret(key)` answers with. */
  secrets?: Record<string, string>;
  /** Runs `ctx.runs.get` and `list` answer with. */
  runs?: Run[];
  /** Answers startRun instead of the default (record it, run ids 1, 2, 3 ... of pipeline "p"); throw to refuse. */
  startRun?: (req: StartRunRequest) => Promise<RunRef>;
}

/** The fake context: what the extension did is readable. */
export interface TestExtensionContext extends ExtensionContext {
  /** Every startRun request, in order (a repeated `eventId` is answered with the first run and not recorded again). */
  readonly started: StartRunRequest[];
  readonly logger: MemoryLogger;
  /** The values behind `ctx.state`. */
  readonly stateMap: Map<string, string>;
  /** Hands an event to the extension's `ctx.events` listeners. */
  publish(event: GoferEvent): void;
  /** Aborts `ctx.signal`, as Gofer does when it starts closing. */
  abort(): void;
}

/** A fake context for an extension's `create`. */
export function extensionContext(opts: ExtensionContextOptions = {}): TestExtensionContext {
  const started: StartRunRequest[] = [];
  const stateMap = opts.state ?? new Map<string, string>();
  const controller = new AbortController();
  const listeners = new Set<(event: GoferEvent) => void>();
  const byEvent = new Map<string, RunRef>();
  const runs = opts.runs ?? [];
  return {
    kind: 'extension',
    name: opts.name ?? 'test',
    logger: memoryLogger(),
    events: {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    dataDir: opts.dataDir ?? '/nonexistent/gofer-testkit',
    signal: controller.signal,
    state: {
      get: async (key) => stateMap.get(key),
      set: async (key, value) => void stateMap.set(key, value),
      delete: async (key) => void stateMap.delete(key),
    },
    runs: {
      get: async (pipelineId, runId) => {
        const run = runs.find((r) => r.pipelineId === pipelineId && r.runId === runId);
        if (!run) throw Object.assign(new Error(`No run ${pipelineId}/${runId} in the test context: pass it in "runs".`), { code: 'ERR_NOT_FOUND' });
        return run;
      },
      list: async (pipelineId, o) =>
        runs
          .filter((r) => r.pipelineId === pipelineId)
          .sort((a, b) => b.runId - a.runId)
          .slice(0, o?.limit ?? Infinity),
    },
    secret: async (key) => opts.secrets?.[key],
    started,
    stateMap,
    publish: (event) => {
      for (const listener of listeners) listener(event);
    },
    abort: () => controller.abort(),
    startRun: async (req) => {
      if (opts.startRun) {
        const ref = await opts.startRun(req);
        started.push(req);
        return ref;
      }
      const key = req.eventId === undefined ? undefined : `${req.subscriptionId}/${req.eventId}`;
      const earlier = key === undefined ? undefined : byEvent.get(key);
      if (earlier) return earlier;
      started.push(req);
      const ref = { pipelineId: 'p', runId: started.length };
      if (key !== undefined) byEvent.set(key, ref);
      return ref;
    },
  };
}

/** An extension made by {@link startExtension}, with its context. */
export interface ExtensionUnderTest {
  /** The instance the definition's `create` returned. */
  readonly extension: Extension;
  /** The fake context it was created with: `ctx.started` holds its startRun requests. */
  readonly ctx: TestExtensionContext;
  /** Subscribes a pipeline (default "p", subscription id "s1", "s2" ...) and returns the subscription. */
  subscribe(settings: Record<string, string>, opts?: { pipelineId?: string; subscriptionId?: string }): Promise<Subscription>;
  /** Aborts the context's signal and closes the extension. */
  close(): Promise<void>;
}

/**
 * Makes an extension from its definition with a fake context, as the core would (settings are
 * passed as given: the harness does not apply the settings schema's defaults).
 */
export async function startExtension<Settings>(
  definition: ExtensionDefinition<Settings>,
  settings: Settings,
  opts: ExtensionContextOptions = {},
): Promise<ExtensionUnderTest> {
  const ctx = extensionContext({ name: definition.name, ...opts });
  const extension = await definition.create(ctx, settings);
  let count = 0;
  return {
    extension,
    ctx,
    async subscribe(subSettings, o = {}) {
      const sub = { subscriptionId: o.subscriptionId ?? `s${++count}`, pipelineId: o.pipelineId ?? 'p', settings: subSettings };
      await extension.subscribe(sub);
      return sub;
    },
    async close() {
      ctx.abort();
      await extension.close?.();
    },
  };
}
