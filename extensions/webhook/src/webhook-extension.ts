/**
 * The webhook listener: one HTTP server on 127.0.0.1 (opened with the first subscription,
 * closed by close()), one path per subscription, `POST /hooks/<subscriptionId>`.
 * Order of checks: path (404), method (405), size (413), signature (401, on the raw bytes),
 * body (400, only when it must be decoded: see decode-body.ts). Errors carry registry codes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoferError, isGoferError, Type, type Extension, type ExtensionContext, type Static, type Subscription } from '@gofer/core/api';
import { decodeBody } from './decode-body.js';
import { DELIVERY_STATUS_OF_CODE, DeliveryListener, replyError as reply } from './delivery-listener.js';
import { readBody } from './read-body.js';
import { verifySignature } from './signature.js';
import { mapVariables } from './variable-mapping.js';

/** Schema of the settings (`extensions.webhook` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** Interface to listen on; default "127.0.0.1". */
    host: Type.Optional(Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to listen on.' })),
    /** Port to listen on; default 8091. 0 picks a free port (tests). */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, default: 8091, description: 'Port to listen on; 0 picks a free one.' })),
    /** Largest accepted body; default 1048576 (1 MiB). Larger ones get 413. */
    maxBodyBytes: Type.Optional(Type.Integer({ minimum: 1, default: 1_048_576, description: 'Larger bodies are refused with 413.' })),
  },
  { additionalProperties: false },
);

/** Settings of the webhook extension: derived from {@link settingsSchema}. */
export type WebhookSettings = Static<typeof settingsSchema>;

const PATH_PREFIX = '/hooks/';

/** The webhook extension instance; `urlFor` tells where a subscription's deliveries go. */
export class WebhookExtension implements Extension {
  private readonly subs = new Map<string, Subscription>();
  private readonly listener: DeliveryListener;
  private closed = false;

  constructor(
    private readonly ctx: ExtensionContext,
    private readonly settings: WebhookSettings,
  ) {
    this.listener = new DeliveryListener({
      label: 'webhook',
      host: settings.host ?? '127.0.0.1',
      port: settings.port ?? 8091,
      portSetting: 'extensions.webhook.port',
      pathPrefix: PATH_PREFIX,
      logger: ctx.logger,
      handle: (req, res) => this.handle(req, res),
      failureLog: 'webhook request failed unexpectedly',
      failureMessage: 'The webhook could not be processed; see the Gofer log.',
      onOpen: (address) => ctx.logger.info('webhook listener open', { address }),
    });
  }

  async subscribe(sub: Subscription): Promise<void> {
    if (this.closed) throw new GoferError('ERR_EXTENSION_UNAVAILABLE', 'The webhook extension is closed.');
    await this.listener.open();
    this.subs.set(sub.subscriptionId, sub);
    this.ctx.logger.info('webhook subscription ready', { subscriptionId: sub.subscriptionId, url: this.urlFor(sub.subscriptionId) });
  }

  async unsubscribe(sub: { subscriptionId: string }): Promise<void> {
    this.subs.delete(sub.subscriptionId);
  }

  /** Stops listening; open connections are closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.subs.clear();
    await this.listener.close();
  }

  /** Where the listener is, once a subscription opened it. */
  address(): AddressInfo | undefined {
    return this.listener.address();
  }

  /** The URL a sender should POST to for `subscriptionId`. */
  urlFor(subscriptionId: string): string | undefined {
    return this.listener.urlFor(subscriptionId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const subscriptionId = this.listener.subscriptionIdOf(path);
    const sub = subscriptionId === undefined ? undefined : this.subs.get(subscriptionId);
    if (!sub) {
      req.resume();
      return reply(res, 404, 'ERR_NOT_FOUND', `No webhook subscription at ${path}. Webhooks are POSTed to ${PATH_PREFIX}<subscriptionId>.`);
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return reply(res, 405, 'ERR_METHOD_NOT_ALLOWED', `Webhooks are delivered with POST, not ${req.method ?? '?'}.`);
    }
    const limit = this.settings.maxBodyBytes ?? 1_048_576;
    const read = await readBody(req, limit);
    if (!read.ok) {
      if (read.reason === 'aborted') return void res.destroy();
      res.setHeader('connection', 'close');
      return reply(res, 413, 'ERR_PAYLOAD_TOO_LARGE', `The body is larger than the limit of ${limit} bytes (extensions.webhook.maxBodyBytes).`);
    }
    const secret = sub.settings.secret;
    if (secret !== undefined && secret !== '') {
      const header = req.headers['x-hub-signature-256'];
      if (!verifySignature(secret, read.body, Array.isArray(header) ? header[0] : header)) {
        return reply(
          res,
          401,
          'ERR_WEBHOOK_SIGNATURE',
          header
            ? "X-Hub-Signature-256 does not match the body signed with this subscription's secret."
            : 'X-Hub-Signature-256 is missing; this subscription requires signed deliveries.',
        );
      }
    }
    const needed = Object.entries(sub.settings).some(([key, source]) => key.startsWith('variable.') && source.startsWith('body:'));
    const decoded = decodeBody(read.body, req.headers['content-type'], needed);
    if (!decoded.ok) return reply(res, 400, 'ERR_INVALID_ARGUMENT', `${decoded.message}. Fix: send the content type that matches the body.`);
    const body = decoded.body;
    const delivery = req.headers['x-github-delivery'];
    const eventId = Array.isArray(delivery) ? delivery[0] : delivery;
    const event = req.headers['x-github-event'];
    try {
      const run = await this.ctx.startRun({
        subscriptionId: sub.subscriptionId,
        variables: mapVariables(sub.settings, body, req.headers),
        reason: `webhook${event ? ` ${String(event)}` : ''} delivery${eventId ? ` ${eventId}` : ''}`,
        ...(eventId ? { eventId } : {}),
      });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pipelineId: run.pipelineId, runId: run.runId, subscriptionId: sub.subscriptionId }));
    } catch (err) {
      const code = isGoferError(err) ? err.code : 'ERR_INTERNAL';
      this.ctx.logger.warn('webhook could not start a run', { subscriptionId: sub.subscriptionId, code, error: (err as Error).message });
      reply(res, DELIVERY_STATUS_OF_CODE[code] ?? 500, code, (err as Error).message);
    }
  }
}
