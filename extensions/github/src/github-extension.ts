/**
 * The GitHub extension: an HTTP listener (one path per subscription, `POST /github/<id>`) that
 * verifies deliveries with @octokit/webhooks, dispatches them as typed events, filters them by
 * the subscription's settings and starts runs with the delivery id as event id (stored with the
 * run, so a redelivery never starts a second one). With a token it reports each run back as a
 * commit status or a check run.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmitterWebhookEvent, Webhooks } from '@octokit/webhooks';
import { GoferError, isGoferError, type ErrorCode, type Extension, type ExtensionContext, type GoferEvent, type Subscription } from '@gofer/core/api';
import { DELIVERY_STATUS_OF_CODE, DeliveryListener, decodeBody, readBody, replyError as reply } from '@gofer/extension-webhook';
import { matchPullRequest, matchPush, matchRelease, parseFilters, type Filters, type Match, type Skip } from './delivery.js';
import { Reporter, type PendingReport } from './reporter.js';

/** Settings of the GitHub extension (`extensions.github` in gofer.config.json). */
export interface GitHubSettings {
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** GitHub's REST API; GitHub Enterprise Server: `https://<host>/api/v3`. */
  apiUrl?: string;
  /** Where users reach Gofer, for the link on each status: `<publicUrl>/pipelines/<id>/runs/<n>`. */
  publicUrl?: string;
}

interface Watched {
  sub: Subscription;
  filters: Filters;
  webhooks: Webhooks;
  report: 'status' | 'check' | 'none';
}

const PATH_PREFIX = '/github/';
const reportKey = (pipelineId: string, runId: number) => `report:${pipelineId}/${runId}`;
/** How many runs' pending reports an instance remembers, to let a redelivery of one report nothing new. */
const REPORTED_RUNS = 10_000;

export class GitHubExtension implements Extension {
  private readonly subs = new Map<string, Watched>();
  private readonly reporter: Reporter;
  private readonly listener: DeliveryListener;
  private closed = false;
  private readonly stopListening: () => void;
  /** Reports being sent, so close() can wait for them. */
  private readonly sending = new Set<Promise<void>>();
  /** Per run, the report calls in order: pending is always sent before the outcome. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Runs whose pending report this instance has queued, newest last (at most REPORTED_RUNS): a
   * redelivery returns the same run, and once that run has completed its state key is gone, so
   * without this a redelivery after the end would report it pending (and then done) again.
   */
  private readonly reported = new Set<string>();

  constructor(
    private readonly ctx: ExtensionContext,
    private readonly settings: GitHubSettings,
  ) {
    this.reporter = new Reporter((settings.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''), 'gofer-extension-github');
    this.stopListening = ctx.events.subscribe((event) => this.onEvent(event));
    this.listener = new DeliveryListener({
      label: 'GitHub',
      host: settings.host ?? '127.0.0.1',
      port: settings.port ?? 8092,
      portSetting: 'extensions.github.port',
      pathPrefix: PATH_PREFIX,
      logger: ctx.logger,
      handle: (req, res) => this.handle(req, res),
      failureLog: 'github delivery failed unexpectedly',
      failureMessage: 'The delivery could not be processed; see `gofer extension logs github`.',
    });
  }

  async subscribe(sub: Subscription): Promise<void> {
    const secret = sub.settings.secret;
    if (!secret) throw new Error('secret: required (the webhook secret set on GitHub; use pipeline_secret{{KEY}})');
    const filters = parseFilters(sub.settings);
    const report = (sub.settings.report ?? (sub.settings.token ? 'status' : 'none')) as Watched['report'];
    if (report !== 'none' && !sub.settings.token) throw new Error(`report: "${report}" needs a token (token: global_secret{{GITHUB_TOKEN}})`);
    if (this.closed) throw new GoferError('ERR_EXTENSION_UNAVAILABLE', 'The GitHub extension is closed.');
    await this.listener.open();
    // Imported at the first subscription, not when the service starts: a service with no GitHub
    // subscription never loads @octokit/webhooks.
    const { Webhooks } = await import('@octokit/webhooks');
    this.subs.set(sub.subscriptionId, { sub, filters, webhooks: new Webhooks({ secret }), report });
    this.ctx.logger.info('github subscription ready', { subscriptionId: sub.subscriptionId, url: this.urlFor(sub.subscriptionId) });
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    this.subs.delete(sub.subscriptionId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopListening();
    this.subs.clear();
    await Promise.allSettled([...this.sending]);
    await this.listener.close();
  }

  address(): AddressInfo | undefined {
    return this.listener.address();
  }

  /** The payload URL to enter in the repository's webhook settings. */
  urlFor(subscriptionId: string): string | undefined {
    return this.listener.urlFor(subscriptionId);
  }

  /** Resolves once every report started so far was sent (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const id = this.listener.subscriptionIdOf(path);
    const watched = id === undefined ? undefined : this.subs.get(id);
    if (!watched) {
      req.resume();
      return reply(res, 404, 'ERR_NOT_FOUND', `No GitHub subscription at ${path}. Deliveries go to ${PATH_PREFIX}<subscriptionId>.`);
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return reply(res, 405, 'ERR_METHOD_NOT_ALLOWED', `GitHub delivers with POST, not ${req.method ?? '?'}.`);
    }
    const limit = this.settings.maxBodyBytes ?? 26_214_400; // GitHub caps payloads at 25 MB
    const read = await readBody(req, limit);
    if (!read.ok) {
      if (read.reason === 'aborted') return void res.destroy();
      res.setHeader('connection', 'close');
      return reply(res, 413, 'ERR_PAYLOAD_TOO_LARGE', `The delivery is larger than ${limit} bytes (extensions.github.maxBodyBytes).`);
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const signature = header('x-hub-signature-256');
    const raw = read.body.toString('utf8');
    if (!signature || !(await watched.webhooks.verify(raw, signature).catch(() => false))) {
      return reply(
        res,
        401,
        'ERR_WEBHOOK_SIGNATURE',
        signature
          ? "X-Hub-Signature-256 does not match the body signed with this subscription's secret."
          : 'X-Hub-Signature-256 is missing: set the secret on GitHub.',
      );
    }
    const name = header('x-github-event');
    const delivery = header('x-github-delivery');
    if (!name || !delivery) return reply(res, 400, 'ERR_INVALID_ARGUMENT', 'X-GitHub-Event and X-GitHub-Delivery are required.');
    if (name === 'ping') return json(res, 200, { pong: true, subscriptionId: watched.sub.subscriptionId });
    const decoded = decodeBody(read.body, header('content-type'), true);
    if (!decoded.ok || decoded.body === null || typeof decoded.body !== 'object')
      return reply(res, 400, 'ERR_INVALID_ARGUMENT', `${decoded.ok ? 'The payload is not a JSON object' : decoded.message}.`);

    // Typed dispatch: each handler sees the payload type of its event.
    let outcome: Match | Skip = { skipped: `"${name}" events do not start runs` };
    const { webhooks } = watched;
    const handlers = {
      push: async (e: EmitterWebhookEvent<'push'>) => void (outcome = matchPush(watched.filters, e.payload)),
      pull_request: async (e: EmitterWebhookEvent<'pull_request'>) =>
        void (outcome = await matchPullRequest(watched.filters, e.payload, () =>
          this.reporter.changedFiles(watched.sub.settings.token ?? '', e.payload.repository.owner.login, e.payload.repository.name, e.payload.number),
        )),
      release: async (e: EmitterWebhookEvent<'release'>) => void (outcome = matchRelease(watched.filters, e.payload)),
    };
    webhooks.on('push', handlers.push);
    webhooks.on('pull_request', handlers.pull_request);
    webhooks.on('release', handlers.release);
    try {
      await webhooks.receive({ id: delivery, name, payload: decoded.body } as EmitterWebhookEvent);
    } catch (err) {
      const cause: unknown = (err as AggregateError).errors?.[0] ?? err;
      this.ctx.logger.warn('github delivery could not be read', { delivery, event: name, error: (cause as Error).message });
      return reply(res, 400, 'ERR_INVALID_ARGUMENT', `The "${name}" delivery could not be read: ${(cause as Error).message}`);
    } finally {
      webhooks.removeListener('push', handlers.push);
      webhooks.removeListener('pull_request', handlers.pull_request);
      webhooks.removeListener('release', handlers.release);
    }
    const result = outcome as Match | Skip;
    if ('skipped' in result) {
      this.ctx.logger.info('github delivery skipped', { subscriptionId: watched.sub.subscriptionId, delivery, event: name, why: result.skipped });
      return json(res, 200, { started: false, reason: result.skipped });
    }
    try {
      const run = await this.ctx.startRun({
        subscriptionId: watched.sub.subscriptionId,
        eventId: delivery,
        variables: result.variables,
        reason: result.reason,
      });
      json(res, 202, { pipelineId: run.pipelineId, runId: run.runId, subscriptionId: watched.sub.subscriptionId });
      const key = reportKey(run.pipelineId, run.runId);
      if (watched.report !== 'none' && result.sha && !this.reported.has(key)) {
        this.reported.add(key);
        if (this.reported.size > REPORTED_RUNS) this.reported.delete(this.reported.values().next().value!);
        this.track(this.serial(key, () => this.reportPending(watched, result, run.pipelineId, run.runId)));
      }
    } catch (err) {
      const code: ErrorCode = isGoferError(err) ? err.code : 'ERR_INTERNAL';
      this.ctx.logger.warn('github delivery could not start a run', {
        subscriptionId: watched.sub.subscriptionId,
        delivery,
        code,
        error: (err as Error).message,
      });
      reply(res, DELIVERY_STATUS_OF_CODE[code] ?? 500, code, (err as Error).message);
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.sending.delete(tracked));
    this.sending.add(tracked);
  }

  /** Runs `fn` after the run's earlier report calls; never rejects. */
  private serial(key: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(fn)
      .catch((err: Error) => this.ctx.logger.warn('github report failed', { key, error: err.message }));
    this.chains.set(key, next);
    void next.then(() => this.chains.get(key) === next && this.chains.delete(key));
    return next;
  }

  private runUrl(pipelineId: string, runId: number): string | undefined {
    const base = this.settings.publicUrl?.replace(/\/+$/, '');
    return base && `${base}/pipelines/${encodeURIComponent(pipelineId)}/runs/${runId}`;
  }

  private async reportPending(watched: Watched, match: Match, pipelineId: string, runId: number): Promise<void> {
    const key = reportKey(pipelineId, runId);
    if ((await this.ctx.state.get(key)) !== undefined) return; // a redelivery of a run already reported
    const targetUrl = this.runUrl(pipelineId, runId);
    let report: PendingReport = {
      kind: watched.report === 'check' ? 'check' : 'status',
      owner: match.repo.owner,
      repo: match.repo.name,
      sha: match.sha!,
      subscriptionId: watched.sub.subscriptionId,
      context: watched.sub.settings.context ?? `gofer/${pipelineId}`,
      ...(targetUrl ? { targetUrl } : {}),
    };
    // Recorded before the call: a run that completes meanwhile still finds what to report.
    await this.ctx.state.set(key, JSON.stringify(report));
    try {
      report = await this.reporter.pending(watched.sub.settings.token!, report, `Gofer run ${runId} of ${pipelineId}`);
      await this.ctx.state.set(key, JSON.stringify(report));
    } catch (err) {
      this.ctx.logger.warn('github could not report the pending run', { pipelineId, runId, error: (err as Error).message });
    }
    // A run that completed while the pending report was on its way is finished here.
    const run = await this.ctx.runs.get(pipelineId, runId).catch(() => undefined);
    if (run?.state === 'complete') await this.reportCompleted(pipelineId, runId, run.status);
  }

  private onEvent(event: GoferEvent): void {
    if (event.type !== 'run.completed' || this.closed) return;
    const { pipelineId, runId, status } = event.payload;
    this.track(this.serial(reportKey(pipelineId, runId), () => this.reportCompleted(pipelineId, runId, status)));
  }

  private async reportCompleted(pipelineId: string, runId: number, status: string): Promise<void> {
    const key = reportKey(pipelineId, runId);
    const stored = await this.ctx.state.get(key);
    if (stored === undefined) return;
    const report = JSON.parse(stored) as PendingReport;
    const token = this.subs.get(report.subscriptionId)?.sub.settings.token;
    if (!token) return this.ctx.logger.warn('github cannot report a run: its subscription is gone or has no token', { pipelineId, runId });
    await this.ctx.state.delete(key);
    try {
      await this.reporter.completed(token, report, status, `Gofer run ${runId} of ${pipelineId}`);
    } catch (err) {
      this.ctx.logger.warn('github could not report the run outcome', { pipelineId, runId, status, error: (err as Error).message });
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
