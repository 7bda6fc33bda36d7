/**
 * The notify listener: watches run events and posts a notification for each rule a run
 * matches, retried with backoff. It needs no subscription: its rules are its settings.
 */
import type { ExtensionContext, GoferEvent, Listener, Run } from '@gofer/core/api';
import { notification, render, type Notification } from './message.js';
import { parseDuration, ruleMatches, type NotifyRule } from './rules.js';

/** Settings of the notify extension (`extensions.notify` in gofer.config.json). */
export interface NotifySettings {
  rules?: NotifyRule[];
  /** Gofer's address as users reach it, for the link in each notification. */
  publicUrl?: string;
  /** Tries per notification (default 5), waiting `retryBaseMs` (default 1000) doubled each time. */
  attempts?: number;
  retryBaseMs?: number;
  /** Longest wait for one POST (default 10000 ms). */
  timeoutMs?: number;
}

/** Timers the listener uses; tests pass a fake clock. */
export interface NotifyClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: NotifyClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

const streakKey = (pipelineId: string) => `failures:${pipelineId}`;

export class NotifyListener implements Listener {
  private readonly stop: () => void;
  private readonly slowTimers = new Map<string, unknown[]>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Per pipeline, outcomes are handled in order (the streak count depends on it). */
  private chain = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly ctx: ExtensionContext,
    private readonly settings: NotifySettings,
    private readonly clock: NotifyClock = systemClock,
  ) {
    for (const rule of settings.rules ?? []) if (rule.on === 'slow') parseDuration(rule.longerThan ?? '');
    this.stop = ctx.events.subscribe((e) => this.onEvent(e));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    for (const timers of this.slowTimers.values()) for (const t of timers) this.clock.clearTimer(t);
    this.slowTimers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves once every notification started so far was delivered or given up (tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private onEvent(event: GoferEvent): void {
    if (this.closed) return;
    if (event.type === 'run.started') this.watchSlow(event.payload.pipelineId, event.payload.runId);
    if (event.type !== 'run.completed') return;
    const { pipelineId, runId, status } = event.payload;
    const key = `${pipelineId}/${runId}`;
    for (const t of this.slowTimers.get(key) ?? []) this.clock.clearTimer(t);
    this.slowTimers.delete(key);
    const previous = this.chain.get(pipelineId) ?? Promise.resolve();
    const next = previous
      .then(() => this.completed(pipelineId, runId, status))
      .catch((err: Error) => this.ctx.logger.warn('notify failed', { error: err.message }));
    this.chain.set(pipelineId, next);
    this.track(next);
  }

  private watchSlow(pipelineId: string, runId: number): void {
    const timers: unknown[] = [];
    for (const rule of this.settings.rules ?? []) {
      if (rule.on !== 'slow' || (rule.pipelines && !rule.pipelines.includes(pipelineId))) continue;
      timers.push(
        this.clock.setTimer(() => {
          this.track(
            this.ctx.runs.get(pipelineId, runId).then(
              (run) => (run.state === 'complete' ? undefined : this.send(rule, run, 0)),
              () => undefined,
            ),
          );
        }, parseDuration(rule.longerThan!)),
      );
    }
    if (timers.length > 0) this.slowTimers.set(`${pipelineId}/${runId}`, timers);
  }

  private async completed(pipelineId: string, runId: number, status: string): Promise<void> {
    // The streak is kept in the extension state, so it survives restarts.
    const before = Number((await this.ctx.state.get(streakKey(pipelineId))) ?? '0');
    const failed = status === 'failed';
    if (status !== 'failed' && status !== 'successful') return; // cancelled runs neither break nor extend a streak
    const inARow = failed ? before + 1 : 0;
    await this.ctx.state.set(streakKey(pipelineId), String(inARow));
    const rules = (this.settings.rules ?? []).filter((rule) =>
      ruleMatches(rule, { pipelineId, runId, status, failuresInARow: inARow, failuresBefore: before }),
    );
    if (rules.length === 0) return;
    const run = await this.ctx.runs.get(pipelineId, runId);
    await Promise.all(rules.map((rule) => this.send(rule, run, failed ? inARow : before)));
  }

  private track(p: Promise<unknown>): void {
    const tracked: Promise<void> = p.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private async send(rule: NotifyRule, run: Run, failuresInARow: number): Promise<void> {
    const url = rule.url ?? (rule.urlSecret ? await this.ctx.secret(rule.urlSecret) : undefined);
    if (!url) {
      this.ctx.logger.warn('notify rule has no URL (its urlSecret is not in the secret store)', { on: rule.on, urlSecret: rule.urlSecret });
      return;
    }
    const message: Notification = notification(rule, run, failuresInARow, this.clock.now(), this.settings.publicUrl);
    const body = JSON.stringify(render(rule.format, message));
    // The URL may itself be a secret (Slack): logs name only its host.
    const where = safeHost(url);
    const attempts = this.settings.attempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const outcome = await this.post(url, body);
      if (outcome === 'ok') {
        this.ctx.logger.info('notification sent', { type: message.type, pipelineId: run.pipelineId, runId: run.runId, to: where, attempt });
        return;
      }
      if (outcome === 'permanent' || attempt === attempts || this.closed) {
        this.ctx.logger.warn('notification not delivered', { type: message.type, pipelineId: run.pipelineId, runId: run.runId, to: where, attempt });
        return;
      }
      const wait = (this.settings.retryBaseMs ?? 1_000) * 2 ** (attempt - 1);
      this.ctx.logger.info('notification failed; retrying', { to: where, attempt, retryInMs: wait });
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, wait));
    }
  }

  /** One POST: ok, retry (network error, 429, 5xx) or permanent (other 4xx). */
  private async post(url: string, body: string): Promise<'ok' | 'retry' | 'permanent'> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'user-agent': 'gofer-extension-notify' },
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return 'ok';
      return res.status === 429 || res.status >= 500 ? 'retry' : 'permanent';
    } catch {
      return 'retry';
    }
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
