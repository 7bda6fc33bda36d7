/** One timer chain per subscription; each firing starts a run with the interval's variables. */
import { GoferError, Type, type Extension, type ExtensionContext, type Static, type Subscription } from '@gofer/core/api';
import { DURATION_PATTERN, parseDuration } from './duration.js';

/** Schema of the settings (`extensions.interval` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** The shortest `every` a subscription may ask for; default "1m". */
    minimum: Type.Optional(Type.String({ pattern: DURATION_PATTERN, default: '1m', description: 'The shortest "every" a subscription may ask for.' })),
  },
  { additionalProperties: false },
);

/** Settings of the interval extension: derived from {@link settingsSchema}. */
export type IntervalSettings = Static<typeof settingsSchema>;

interface Watch {
  timer: NodeJS.Timeout | undefined;
  everyMs: number;
  jitterMs: number;
  /** Firings so far, passed to the run as INTERVAL_COUNT. */
  count: number;
}

/** The interval extension instance: one timer chain per subscription. */
export class IntervalExtension implements Extension {
  private readonly watches = new Map<string, Watch>();
  private readonly minimumMs: number;
  private closed = false;

  constructor(
    private readonly ctx: ExtensionContext,
    settings: IntervalSettings,
  ) {
    this.minimumMs = parseDuration(settings.minimum ?? '1m') ?? 60_000;
    ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  async subscribe(sub: Subscription): Promise<void> {
    const every = sub.settings.every ?? '';
    const everyMs = parseDuration(every);
    if (everyMs === undefined) throw new GoferError('ERR_INVALID_ARGUMENT', `"every" must be a duration such as "30s" or "5m", got "${every}".`);
    if (everyMs < this.minimumMs) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `"every" is ${every}, below this Gofer's minimum of ${this.minimumMs} ms. Fix: choose a longer interval, or lower extensions.interval.minimum.`,
      );
    }
    const jitterMs = sub.settings.jitter === undefined ? 0 : parseDuration(sub.settings.jitter);
    if (jitterMs === undefined) throw new GoferError('ERR_INVALID_ARGUMENT', `"jitter" must be a duration such as "10s", got "${sub.settings.jitter}".`);
    await this.unsubscribe(sub);
    const watch: Watch = { timer: undefined, everyMs, jitterMs, count: 0 };
    this.watches.set(sub.subscriptionId, watch);
    this.arm(sub, watch);
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    const watch = this.watches.get(sub.subscriptionId);
    if (watch) clearTimeout(watch.timer);
    this.watches.delete(sub.subscriptionId);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const watch of this.watches.values()) clearTimeout(watch.timer);
    this.watches.clear();
  }

  /** A fresh timeout per firing (not setInterval): jitter varies and a slow start never overlaps. */
  private arm(sub: Subscription, watch: Watch): void {
    const delay = watch.everyMs + Math.floor(Math.random() * watch.jitterMs);
    watch.timer = setTimeout(() => void this.fire(sub, watch), delay);
  }

  private async fire(sub: Subscription, watch: Watch): Promise<void> {
    if (this.closed || this.watches.get(sub.subscriptionId) !== watch) return;
    watch.count += 1;
    const firedAt = new Date().toISOString();
    try {
      const run = await this.ctx.startRun({
        subscriptionId: sub.subscriptionId,
        reason: `interval ${sub.settings.every} elapsed`,
        variables: { INTERVAL_EVERY: sub.settings.every ?? '', INTERVAL_FIRED_AT: firedAt, INTERVAL_COUNT: String(watch.count) },
      });
      this.ctx.logger.debug('interval started a run', { subscriptionId: sub.subscriptionId, pipelineId: run.pipelineId, runId: run.runId });
    } catch (err) {
      this.ctx.logger.warn('interval could not start a run', { subscriptionId: sub.subscriptionId, error: (err as Error).message });
    }
    if (!this.closed && this.watches.get(sub.subscriptionId) === watch) this.arm(sub, watch);
  }
}
