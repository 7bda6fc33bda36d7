/** One croner schedule per subscription; fire times persisted so restarts are exact. */
import { Cron } from 'croner';
import { GoferError, type Extension, type ExtensionContext, type Subscription } from '@gofer/core/api';
import type { Clock } from './clock.js';

/** Settings of the cron extension (`extensions.cron` in gofer.config.json). */
export interface CronSettings {
  /** What to do with occurrences missed while Gofer was down; default "one". */
  catchUp?: 'none' | 'one';
  /** Timezone of subscriptions that name none; default "UTC". */
  timezone?: string;
}

interface Watch {
  sub: Subscription;
  cron: Cron;
  timer: unknown;
  /** The occurrence the timer waits for. */
  due: number | undefined;
}

// More occurrences than this missed at once are counted as "many" (every-second schedules).
const MAX_MISSED_SCAN = 100_000;

const stateKey = (subscriptionId: string) => `last-fire:${subscriptionId}`;

/** The cron extension instance: one schedule per subscription. */
export class CronExtension implements Extension {
  private readonly watches = new Map<string, Watch>();
  private closed = false;

  constructor(private readonly ctx: ExtensionContext, private readonly settings: CronSettings, private readonly clock: Clock) {
    ctx.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  async subscribe(sub: Subscription): Promise<void> {
    const cron = this.parse(sub);
    this.stop(sub.subscriptionId);
    const watch: Watch = { sub, cron, timer: undefined, due: undefined };
    this.watches.set(sub.subscriptionId, watch);

    const now = this.clock.now();
    const stored = await this.ctx.state.get(stateKey(sub.subscriptionId));
    let last = stored === undefined ? Number.NaN : Number(stored);
    if (!Number.isFinite(last)) {
      // A new subscription: nothing before this moment is "missed".
      last = now;
      await this.ctx.state.set(stateKey(sub.subscriptionId), String(last));
    }
    const missed = this.missedSince(cron, last, now);
    if (missed.count > 0 && missed.latest !== undefined) {
      if ((this.settings.catchUp ?? 'one') === 'one') {
        void this.fire(watch, missed.latest, missed.count);
        return; // fire() arms the next occurrence
      }
      this.ctx.logger.info('cron skipped occurrences missed while Gofer was down (catchUp: none)', { subscriptionId: sub.subscriptionId, missed: missed.count });
      await this.ctx.state.set(stateKey(sub.subscriptionId), String(missed.latest));
      last = missed.latest;
    }
    this.arm(watch, last);
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    this.stop(sub.subscriptionId);
    this.watches.delete(sub.subscriptionId);
    await this.ctx.state.delete(stateKey(sub.subscriptionId));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.watches.keys()) this.stop(id);
    this.watches.clear();
  }

  private parse(sub: Subscription): Cron {
    const expression = sub.settings.expression ?? '';
    const timezone = sub.settings.timezone ?? this.settings.timezone ?? 'UTC';
    try {
      const cron = new Cron(expression, { timezone, paused: true });
      if (cron.nextRun(new Date(this.clock.now())) === null) throw new Error('it never fires');
      return cron;
    } catch (err) {
      throw new GoferError('ERR_INVALID_ARGUMENT', `Cron expression "${expression}" in timezone "${timezone}" is not usable: ${(err as Error).message}. Fix: use 5 fields ("*/5 * * * *") or 6 with seconds, and an IANA timezone.`, { cause: err });
    }
  }

  /** Occurrences in (last, now]: how many, and the latest. */
  private missedSince(cron: Cron, last: number, now: number): { count: number; latest: number | undefined } {
    let count = 0;
    let latest: number | undefined;
    for (let next = cron.nextRun(new Date(last)); next && next.getTime() <= now && count < MAX_MISSED_SCAN; next = cron.nextRun(next)) {
      count += 1;
      latest = next.getTime();
    }
    if (count === MAX_MISSED_SCAN) {
      // Too many to walk (an every-second schedule after a long stop): the latest is within the last hour.
      for (let next = cron.nextRun(new Date(now - 3_600_000)); next && next.getTime() <= now; next = cron.nextRun(next)) latest = next.getTime();
    }
    return { count, latest };
  }

  private arm(watch: Watch, after: number): void {
    if (this.closed || this.watches.get(watch.sub.subscriptionId) !== watch) return;
    const next = watch.cron.nextRun(new Date(after));
    if (!next) return;
    watch.due = next.getTime();
    const wait = () => {
      const remaining = watch.due! - this.clock.now();
      if (remaining > 0) {
        watch.timer = this.clock.setTimer(wait, remaining);
        return;
      }
      void this.fire(watch, watch.due!, 1);
    };
    wait();
  }

  /**
   * Starts the run for the occurrence `at`, then records it. The event id makes the host
   * return the same run if this occurrence is fired again after a crash between the two.
   */
  private async fire(watch: Watch, at: number, occurrences: number): Promise<void> {
    if (this.closed || this.watches.get(watch.sub.subscriptionId) !== watch) return;
    const { sub } = watch;
    const scheduledAt = new Date(at).toISOString();
    const catchUp = occurrences > 1 || at < this.clock.now() - 1_000;
    try {
      await this.ctx.startRun({
        subscriptionId: sub.subscriptionId,
        eventId: `${sub.subscriptionId}@${scheduledAt}`,
        reason: catchUp
          ? `cron "${sub.settings.expression}" catch-up for ${occurrences} missed occurrence${occurrences === 1 ? '' : 's'} (latest ${scheduledAt})`
          : `cron "${sub.settings.expression}" fired for ${scheduledAt}`,
        variables: { CRON_EXPRESSION: sub.settings.expression ?? '', CRON_SCHEDULED_AT: scheduledAt, CRON_CATCH_UP: String(catchUp) },
      });
    } catch (err) {
      this.ctx.logger.warn('cron could not start a run', { subscriptionId: sub.subscriptionId, scheduledAt, error: (err as Error).message });
    }
    // Unsubscribed meanwhile: its state is gone and must stay gone. Closed: still record it.
    if (!this.closed && this.watches.get(sub.subscriptionId) !== watch) return;
    try {
      await this.ctx.state.set(stateKey(sub.subscriptionId), String(at));
    } catch (err) {
      this.ctx.logger.warn('cron could not record its fire time', { subscriptionId: sub.subscriptionId, error: (err as Error).message });
    }
    this.arm(watch, at);
  }

  private stop(subscriptionId: string): void {
    const watch = this.watches.get(subscriptionId);
    if (watch?.timer !== undefined) this.clock.clearTimer(watch.timer);
  }
}
