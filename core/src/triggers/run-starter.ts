/**
 * What `ctx.startRun` does for every extension: finds the subscription, refuses (and records as
 * skipped) a fire while the subscription is disabled or its triggers are paused, starts a run of
 * its pipeline recording the extension and subscription as initiator, and makes `eventId`
 * idempotent: the same subscription and event id always answer with the first run, even across
 * restarts, crashes and racing requests. The event id is written in the same SQLite transaction
 * as the run row, so no crash can leave a run without its event id.
 */
import { GoferError, type RunInitiator, type RunRef, type StartRunRequest } from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { injectable, token } from '../kernel/di.js';
import { ORCHESTRATOR, type Orchestrator } from '../runs/orchestrator.js';
import { RUN_STORE, type RunStore } from '../runs/run-store.js';
import { SUBSCRIPTION_STORE, type SubscriptionStore } from './subscription-store.js';

/** What EXTENSION_RUN_STARTER is bound to, shared by every extension. */
@injectable(SUBSCRIPTION_STORE, ORCHESTRATOR, RUN_STORE, EVENT_BUS)
export class ExtensionRunStarter {
  /** startRun calls in flight per `subscription/event`, so a racing duplicate waits for the first. */
  private readonly inFlight = new Map<string, Promise<RunRef>>();

  constructor(
    private readonly store: SubscriptionStore,
    private readonly orchestrator: Orchestrator,
    private readonly runStore: RunStore,
    private readonly bus: EventBus,
  ) {}

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
      throw new GoferError(
        'ERR_NOT_FOUND',
        `Extension "${extension}" asked to start a run for subscription "${String(req?.subscriptionId)}", which does not exist (it may have been deleted). Fix: stop watching it; unsubscribe was sent.`,
        { details: { extension, subscriptionId: req?.subscriptionId } },
      );
    }
    if (sub.extension !== extension) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Extension "${extension}" asked to start a run for subscription "${sub.subscriptionId}", which belongs to extension "${sub.extension}".`,
        { details: { extension, subscriptionId: sub.subscriptionId } },
      );
    }
    const variables = req.variables ?? {};
    const bad = Object.entries(variables)
      .filter(([k, v]) => typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k]) => k);
    if (typeof variables !== 'object' || bad.length > 0) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Extension "${extension}" passed invalid runtime variables (${bad.join(', ')}): names must match [A-Za-z_][A-Za-z0-9_]* and values must be strings.`,
        { details: { extension, variables: bad } },
      );
    }
    const eventId = typeof req.eventId === 'string' && req.eventId !== '' ? req.eventId : undefined;
    if (eventId) {
      const earlier = this.store.runForEvent(sub.subscriptionId, eventId);
      if (earlier) return earlier;
    }
    const cause = sub.enabled ? this.store.pausedBy(sub.pipelineId) : 'subscription_disabled';
    if (cause) {
      const reason = typeof req.reason === 'string' ? req.reason : '';
      this.bus.publish('trigger.skipped', {
        subscriptionId: sub.subscriptionId,
        pipelineId: sub.pipelineId,
        extension,
        cause,
        reason,
        ...(eventId ? { eventId } : {}),
      });
      const why =
        cause === 'subscription_disabled'
          ? `subscription ${sub.subscriptionId} is disabled (\`gofer subscription enable ${sub.pipelineId} ${sub.subscriptionId}\`)`
          : cause === 'pipeline_paused'
            ? `the triggers of pipeline "${sub.pipelineId}" are paused (\`gofer extension resume --pipeline ${sub.pipelineId}\`)`
            : 'every trigger of this Gofer instance is paused (`gofer extension resume`)';
      throw new GoferError('ERR_TRIGGER_PAUSED', `No run was started because ${why}; the fire was recorded as skipped.`, {
        details: { subscriptionId: sub.subscriptionId, pipelineId: sub.pipelineId, cause },
      });
    }
    const initiator: RunInitiator = { kind: 'extension', name: extension, subscriptionId: sub.subscriptionId, reason: req.reason };
    return this.createRun(sub.pipelineId, variables, initiator, (run) => {
      if (eventId) this.store.recordEvent(sub.subscriptionId, eventId, run);
    });
  }

  /** Creates the run with `inCreation` inside the transaction that writes its row; resolves once both are on disk. */
  private async createRun(pipelineId: string, variables: Record<string, string>, initiator: RunInitiator, inCreation: (run: RunRef) => void): Promise<RunRef> {
    const run = this.orchestrator.start(pipelineId, variables, initiator, inCreation);
    await this.runStore.durable();
    return { pipelineId: run.pipelineId, runId: run.runId };
  }
}

export const RUN_STARTER = token<ExtensionRunStarter>('gofer.trigger-run-starter');
