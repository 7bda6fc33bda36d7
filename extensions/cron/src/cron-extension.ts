/** One schedule per subscription; fire times persisted so restarts are exact. */
import { GoferError, Type, type Extension, type ExtensionContext, type Static, type Subscription } from '@gofer/core/api';
import type { Clock } from './clock.js';
import { countOccurrencesYielding, latestOccurrence, type OccurrenceCount } from './count-occurrences.js';
import { parseSchedule, type Schedule } from './schedule.js';

/** Schema of the settings (`extensions.cron` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** What to do with occurrences missed while Gofer was down; default "one". */
    catchUp: Type.Optional(
      Type.Enum(['none', 'one'], {
        default: 'one',
        description: 'After downtime: "one" starts a single run for the missed occurrences, "none" skips them.',
      }),
    ),
    /** Timezone of subscriptions that name none; default "UTC". */
    timezone: Type.Optional(Type.String({ minLength: 1, default: 'UTC', description: 'Timezone of subscriptions that name none.' })),
  },
  { additionalProperties: false },
);

/** Settings of the cron extension: derived from {@link settingsSchema}. */
export type CronSettings = Static<typeof settingsSchema>;

interface Watch {
  sub: Subscription;
  cron: Schedule;
  timer: unknown;
  /** The occurrence the timer waits for. */
  due: number | undefined;
}

const stateKey = (subscriptionId: string) => `last-fire:${subscriptionId}`;

/** The cron extension instance: one schedule per subscription. */
export class CronExtension implements Extension {
  private readonly watches = new Map<string, Watch>();
  private closed = false;

  constructor(
    private readonly ctx: ExtensionContext,
    private readonly settings: CronSettings,
    private readonly clock: Clock,
  ) {
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
    // Counted a matching day at a time, in pieces, so a long downtime never stalls the event loop.
    const missed = now > last ? await countOccurrencesYielding(cron, last, now) : { count: 0, exact: true };
    const latest = missed.count > 0 ? latestOccurrence(cron, last, now, { some: true }) : undefined;
    if (latest !== undefined) {
      if ((this.settings.catchUp ?? 'one') === 'one') {
        void this.fire(watch, latest, missed);
        return; // fire() arms the next occurrence
      }
      this.ctx.logger.info('cron skipped occurrences missed while Gofer was down (catchUp: none)', {
        subscriptionId: sub.subscriptionId,
        missed: missed.count,
        exact: missed.exact,
      });
      const missedLatest = latest;
      await this.ctx.state.set(stateKey(sub.subscriptionId), String(missedLatest));
      last = missedLatest;
    }
    this.arm(watch, last);
    this.ctx.logger.info('cron subscription ready', {
      subscriptionId: sub.subscriptionId,
      schedule: cron.fixedTime ? 'fixed-time' : 'wildcard',
      timezone: cron.timezone,
      ...(watch.due !== undefined ? { next: new Date(watch.due).toISOString() } : {}),
    });
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

  private parse(sub: Subscription): Schedule {
    const expression = sub.settings.expression ?? '';
    const timezone = sub.settings.timezone ?? this.settings.timezone ?? 'UTC';
    try {
      const schedule = parseSchedule(expression, timezone);
      if (schedule.next(this.clock.now()) === undefined) throw new Error('it never fires');
      return schedule;
    } catch (err) {
      const reason = (err as Error).message.trim().replace(/\.+$/, '');
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Cron expression "${expression}" in timezone "${timezone}" is not usable: ${reason}. Fix: use 5 fields ("*/5 * * * *") or 6 with seconds, and an IANA timezone.`,
        { cause: err },
      );
    }
  }

  private arm(watch: Watch, after: number): void {
    if (this.closed || this.watches.get(watch.sub.subscriptionId) !== watch) return;
    const next = watch.cron.next(after);
    if (next === undefined) return;
    watch.due = next;
    const wait = () => {
      const remaining = watch.due! - this.clock.now();
      if (remaining > 0) {
        watch.timer = this.clock.setTimer(wait, remaining);
        return;
      }
      void this.fire(watch, watch.due!, { count: 1, exact: true });
    };
    wait();
  }

  /**
   * Starts the run for the occurrence `at`, then records it. The event id makes the host
   * return the same run if this occurrence is fired again after a crash between the two.
   */
  private async fire(watch: Watch, at: number, occurrences: OccurrenceCount): Promise<void> {
    if (this.closed || this.watches.get(watch.sub.subscriptionId) !== watch) return;
    const { sub } = watch;
    const scheduledAt = new Date(at).toISOString();
    const catchUp = occurrences.count > 1 || at < this.clock.now() - 1_000;
    const missed = `${occurrences.exact ? '' : 'about '}${occurrences.count.toLocaleString('en-US')} missed occurrence${occurrences.count === 1 ? '' : 's'}`;
    try {
      await this.ctx.startRun({
        subscriptionId: sub.subscriptionId,
        eventId: `${sub.subscriptionId}@${scheduledAt}`,
        reason: catchUp
          ? `cron "${sub.settings.expression}" catch-up for ${missed} (latest ${scheduledAt})`
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
