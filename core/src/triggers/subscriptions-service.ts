/**
 * The subscriptions API: validate, store, subscribe; list; delete. A subscribe the extension
 * refuses (or that cannot be resolved, such as a missing secret) leaves the subscription
 * stored with status `error` and the reason; `resubscribeAll` retries every stored one.
 */
import {
  GoferError,
  problemLines,
  type CreateSubscriptionRequest,
  type GoferConfig,
  type Logger,
  type PipelinesApi,
  type SubscriptionInfo,
  type SubscriptionsApi,
  type ValidationProblem,
} from '../api/index.js';
import { EVENT_BUS, type EventBus } from '../events/event-bus.js';
import { withDeadline } from '../kernel/deadline.js';
import { injectable, token } from '../kernel/di.js';
import { CONFIG, LOGGER } from '../kernel/tokens.js';
import { PIPELINES_API } from '../pipelines/pipelines-api.js';
import { describeAjvErrors, validatorFor } from '../api/ajv.js';
import { PLUGIN_REGISTRY, type PluginRegistry } from '../plugin-host/registry.js';
import { SECRET_STORE, type SecretStore } from '../stores/secret-store.js';
import { refersToSecrets, substituteSecrets } from './secret-substitution.js';
import { SUBSCRIPTION_STORE, type SubscriptionStore } from './subscription-store.js';

const LABEL = /^[a-zA-Z0-9_-]{1,32}$/;

/** Implements `gofer.subscriptions`; also re-subscribes at start-up and records late refusals. */
@injectable(SUBSCRIPTION_STORE, PLUGIN_REGISTRY, EVENT_BUS, SECRET_STORE, LOGGER, PIPELINES_API, CONFIG)
export class SubscriptionsService implements SubscriptionsApi {
  private readonly deps: {
    store: SubscriptionStore;
    registry: PluginRegistry;
    bus: EventBus;
    secrets: SecretStore;
    logger: Logger;
    pipelines: PipelinesApi;
    /** The longest an in-process extension's subscribe may take. */
    timeoutMs: number;
  };

  constructor(
    store: SubscriptionStore,
    registry: PluginRegistry,
    bus: EventBus,
    secrets: SecretStore,
    logger: Logger,
    pipelines: PipelinesApi,
    config: Pick<GoferConfig, 'pluginTimeoutMs'>,
  ) {
    this.deps = { store, registry, bus, secrets, logger: logger.child({ module: 'extensions' }), pipelines, timeoutMs: config.pluginTimeoutMs };
  }

  async create(req: CreateSubscriptionRequest): Promise<SubscriptionInfo> {
    const { store, registry, bus } = this.deps;
    const settings = req?.settings ?? {};
    this.checkRequest(req, settings);
    const extension = registry.extension(req.extension);
    if (!extension) {
      const known = registry.extensions().map((e) => e.info.name);
      const failed = registry.list().find((p) => p.kind === 'extension' && p.name === req.extension && p.status === 'failed');
      // Installed but broken is the server's problem (503); a name nobody provides is the caller's (404).
      throw failed
        ? new GoferError(
            'ERR_EXTENSION_UNAVAILABLE',
            `Extension "${req.extension}" is installed but failed to load: ${failed.error?.message ?? 'unknown reason'}. Fix it, then restart Gofer; \`gofer plugin list\` shows every failure.`,
            { details: { extension: req.extension } },
          )
        : new GoferError(
            'ERR_NOT_FOUND',
            `No extension named "${req.extension}" is loaded (active extensions: ${known.join(', ') || 'none'}). Fix: check the name, or install the extension's package.`,
            { details: { extension: req.extension } },
          );
    }
    if (extension.definition.listener) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Extension "${req.extension}" is a listener: it takes no subscriptions and is configured by its settings (extensions.${req.extension} in gofer.config.json).`,
        { details: { extension: req.extension } },
      );
    }
    await this.deps.pipelines.get(req.pipelineId); // ERR_NOT_FOUND for an unknown pipeline
    const schema = extension.definition.subscriptionSchema;
    if (schema && !refersToSecrets(settings)) {
      // Checked before anything is stored; with secret references it is checked once resolved.
      const validate = validatorFor(schema);
      if (!validate(structuredClone(settings))) {
        const problems = describeAjvErrors(validate.errors, '/settings');
        throw new GoferError(
          'ERR_INVALID_ARGUMENT',
          `Settings for a "${req.extension}" subscription are invalid:\n  ${problemLines(problems).join('\n  ')}\nFix: see the "${req.extension}" subscription settings in docs/extensions.md.`,
          { details: { problems } },
        );
      }
    }
    const created = store.insert({ pipelineId: req.pipelineId, extension: req.extension, label: req.label, settings });
    if (!created) {
      throw new GoferError(
        'ERR_CONFLICT',
        `Pipeline "${req.pipelineId}" already has a "${req.extension}" subscription labelled "${req.label}". Fix: choose another label, or delete that subscription first.`,
        { details: { pipelineId: req.pipelineId, extension: req.extension, label: req.label } },
      );
    }
    bus.publish('subscription.created', { subscriptionId: created.subscriptionId, pipelineId: created.pipelineId, extension: created.extension });
    return this.subscribe(created);
  }

  async list(opts: { pipelineId?: string; extension?: string } = {}): Promise<SubscriptionInfo[]> {
    return this.deps.store.list(opts);
  }

  async get(subscriptionId: string): Promise<SubscriptionInfo> {
    const found = this.deps.store.get(subscriptionId);
    if (!found) throw new GoferError('ERR_NOT_FOUND', `Subscription "${subscriptionId}" does not exist.`, { details: { subscriptionId } });
    return found;
  }

  async delete(subscriptionId: string): Promise<void> {
    const sub = await this.get(subscriptionId);
    const extension = this.deps.registry.extension(sub.extension);
    if (extension && sub.status === 'active') {
      try {
        await this.withTimeout(extension.instance.unsubscribe({ subscriptionId }), `unsubscribe of ${subscriptionId}`);
      } catch (err) {
        this.deps.logger.warn('extension failed to unsubscribe; removing the subscription anyway', {
          subscriptionId,
          extension: sub.extension,
          error: (err as Error).message,
        });
      }
    }
    this.deps.store.delete(subscriptionId);
    this.deps.bus.publish('subscription.deleted', { subscriptionId });
  }

  async enable(subscriptionId: string): Promise<SubscriptionInfo> {
    return this.setEnabled(subscriptionId, true);
  }

  async disable(subscriptionId: string): Promise<SubscriptionInfo> {
    return this.setEnabled(subscriptionId, false);
  }

  private async setEnabled(subscriptionId: string, enabled: boolean): Promise<SubscriptionInfo> {
    const sub = await this.get(subscriptionId);
    if (sub.enabled === enabled) return sub;
    const updated = this.deps.store.setEnabled(subscriptionId, enabled) ?? sub;
    this.deps.bus.publish(enabled ? 'subscription.enabled' : 'subscription.disabled', { subscriptionId, pipelineId: sub.pipelineId });
    return updated;
  }

  /** Subscribes every stored subscription again (start-up); failures are stored, not thrown. */
  async resubscribeAll(): Promise<void> {
    await Promise.all(this.deps.store.list().map((sub) => this.subscribe(sub)));
  }

  /** Records that the extension refused a subscription after the fact (a restarted process). */
  markFailed(subscriptionId: string, reason: string): void {
    if (!this.deps.store.get(subscriptionId)) return;
    this.deps.store.setStatus(subscriptionId, 'error', reason);
    this.deps.bus.publish('subscription.failed', { subscriptionId, reason });
  }

  /** Resolves secrets, validates, hands the subscription to its extension, stores the outcome. */
  private async subscribe(sub: SubscriptionInfo): Promise<SubscriptionInfo> {
    const extension = this.deps.registry.extension(sub.extension);
    try {
      if (!extension) throw new GoferError('ERR_EXTENSION_UNAVAILABLE', `Extension "${sub.extension}" is not loaded.`);
      const settings = substituteSecrets(sub.settings, sub.pipelineId, this.deps.secrets);
      const schema = extension.definition.subscriptionSchema;
      if (schema) {
        const validate = validatorFor(schema);
        if (!validate(settings)) {
          const problems = describeAjvErrors(validate.errors, '/settings');
          throw new GoferError('ERR_INVALID_ARGUMENT', `Settings are invalid: ${problemLines(problems).join('; ')}`, { details: { problems } });
        }
      }
      await this.withTimeout(
        extension.instance.subscribe({ subscriptionId: sub.subscriptionId, pipelineId: sub.pipelineId, settings }),
        `subscribe of ${sub.subscriptionId}`,
      );
      if (sub.status === 'active') return sub;
      return this.deps.store.setStatus(sub.subscriptionId, 'active') ?? sub;
    } catch (err) {
      // Gave up waiting: make sure a late acceptance does not leave the extension watching.
      if ((err as GoferError)?.details?.timedOut === true) void extension?.instance.unsubscribe({ subscriptionId: sub.subscriptionId }).catch(() => undefined);
      const reason = (err as Error)?.message ?? String(err);
      this.deps.logger.warn('subscription refused', { subscriptionId: sub.subscriptionId, extension: sub.extension, reason });
      this.deps.bus.publish('subscription.failed', { subscriptionId: sub.subscriptionId, reason });
      return this.deps.store.setStatus(sub.subscriptionId, 'error', reason) ?? sub;
    }
  }

  private checkRequest(req: CreateSubscriptionRequest, settings: Record<string, string>): void {
    const problems: ValidationProblem[] = [];
    if (typeof req?.pipelineId !== 'string' || req.pipelineId === '') problems.push({ path: '/pipelineId', message: 'must be a non-empty string' });
    if (typeof req?.extension !== 'string' || req.extension === '') problems.push({ path: '/extension', message: 'must be a non-empty string' });
    if (typeof req?.label !== 'string' || !LABEL.test(req.label)) problems.push({ path: '/label', message: 'must be 1-32 characters of [a-zA-Z0-9_-]' });
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
      problems.push({ path: '/settings', message: 'must be an object of strings' });
    else
      for (const [k, v] of Object.entries(settings))
        if (typeof v !== 'string') problems.push({ path: `/settings/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'must be a string' });
    if (problems.length > 0)
      throw new GoferError('ERR_INVALID_ARGUMENT', `Invalid subscription: ${problemLines(problems).join('; ')}.`, { details: { problems } });
  }

  private withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    const ms = this.deps.timeoutMs;
    return withDeadline(
      promise,
      ms,
      () => new GoferError('ERR_EXTENSION_UNAVAILABLE', `The extension did not finish ${what} within ${ms} ms.`, { details: { timedOut: true } }),
    );
  }
}

export const SUBSCRIPTIONS_API = token<SubscriptionsService>('gofer.api.subscriptions');
