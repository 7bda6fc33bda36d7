/**
 * What `ctx.startRun` does for every extension: finds the subscription, starts a run of its
 * pipeline recording the extension and subscription as initiator, and makes `eventId`
 * idempotent: the same subscription and event id always answer with the first run, even
 * across restarts and when two requests race.
 */
import { GoferError, type RunRef, type RunsApi, type StartRunRequest } from '../api/index.js';
import type { SubscriptionStore } from './subscription-store.js';

/** The function behind EXTENSION_RUN_STARTER, shared by every extension. */
export class ExtensionRunStarter {
  /** startRun calls in flight per `subscription/event`, so a racing duplicate waits for the first. */
  private readonly inFlight = new Map<string, Promise<RunRef>>();

  constructor(private readonly store: SubscriptionStore, private readonly runs: () => RunsApi) {}

  start(extension: string, req: StartRunRequest): Promise<RunRef> {
    if (!req.eventId) return this.startNow(extension, req);
    const key = `${req.subscriptionId}\0${req.eventId}`;
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    const starting = this.startNow(extension, req).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, starting);
    return starting;
  }

  private async startNow(extension: string, req: StartRunRequest): Promise<RunRef> {
    const sub = typeof req?.subscriptionId === 'string' ? this.store.get(req.subscriptionId) : undefined;
    if (!sub) {
      throw new GoferError('ERR_NOT_FOUND', `Extension "${extension}" asked to start a run for subscription "${String(req?.subscriptionId)}", which does not exist (it may have been deleted). Fix: stop watching it; unsubscribe was sent.`, { details: { extension, subscriptionId: req?.subscriptionId } });
    }
    if (sub.extension !== extension) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `Extension "${extension}" asked to start a run for subscription "${sub.subscriptionId}", which belongs to extension "${sub.extension}".`, { details: { extension, subscriptionId: sub.subscriptionId } });
    }
    const variables = req.variables ?? {};
    const bad = Object.entries(variables).filter(([k, v]) => typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)).map(([k]) => k);
    if (typeof variables !== 'object' || bad.length > 0) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `Extension "${extension}" passed invalid runtime variables (${bad.join(', ')}): names must match [A-Za-z_][A-Za-z0-9_]* and values must be strings.`, { details: { extension, variables: bad } });
    }
    if (req.eventId) {
      const earlier = this.store.runForEvent(sub.subscriptionId, req.eventId);
      if (earlier) return earlier;
    }
    const run = await this.runs().start(sub.pipelineId, {
      variables,
      initiator: { kind: 'extension', name: extension, subscriptionId: sub.subscriptionId, reason: req.reason },
    });
    const ref = { pipelineId: run.pipelineId, runId: run.runId };
    if (req.eventId) this.store.recordEvent(sub.subscriptionId, req.eventId, ref);
    return ref;
  }
}
