/**
 * The HTTP side of an extension that starts runs from deliveries (the webhook and GitHub
 * extensions): one server, opened by the first subscription and closed with the extension, one
 * path per subscription under a prefix (`/hooks/<subscriptionId>`), and JSON error answers with
 * the registry's codes. What a delivery means stays with each extension's `handle`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GoferError, type ErrorCode, type Logger } from '@gofer/core/api';

/** The HTTP status of an error a delivery's run start can raise; the rest answer 500. */
export const DELIVERY_STATUS_OF_CODE: Partial<Record<ErrorCode, number>> = {
  ERR_NOT_FOUND: 404,
  ERR_PIPELINE_DISABLED: 409,
  ERR_TRIGGER_PAUSED: 409,
  ERR_INVALID_ARGUMENT: 400,
  ERR_EXTENSION_UNAVAILABLE: 503,
  ERR_GOFER_CLOSED: 503,
};

/** Answers `{ error: { code, message } }` with `status`. */
export function replyError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

export interface DeliveryListenerOptions {
  /** How messages name the listener: "webhook", "GitHub". */
  label: string;
  host: string;
  port: number;
  /** The setting that moves the port, named in the error when it is taken: `extensions.webhook.port`. */
  portSetting: string;
  /** Every subscription's path starts with it: `/hooks/`. */
  pathPrefix: string;
  logger: Logger;
  /** Handles one request; a rejection is logged with `failureLog` and answered 500 with `failureMessage`. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  failureLog: string;
  failureMessage: string;
  /** Called once the server listens. */
  onOpen?(address: AddressInfo | undefined): void;
}

export class DeliveryListener {
  private server: Server | undefined;
  private opening: Promise<void> | undefined;

  constructor(private readonly options: DeliveryListenerOptions) {}

  /** Opens the server once; a failed open may be tried again. */
  open(): Promise<void> {
    const { label, host, port, portSetting, logger, failureLog, failureMessage } = this.options;
    this.opening ??= new Promise<void>((resolve, reject) => {
      const server = createServer((req, res) => {
        this.options.handle(req, res).catch((err: Error) => {
          logger.error(failureLog, { error: err.message });
          if (!res.headersSent) replyError(res, 500, 'ERR_INTERNAL', failureMessage);
          else res.destroy();
        });
      });
      server.once('error', (err: Error) => {
        this.opening = undefined;
        reject(
          new GoferError(
            'ERR_EXTENSION_UNAVAILABLE',
            `The ${label} listener could not open ${host}:${port}: ${err.message}. Fix: free the port or set ${portSetting}.`,
            {
              cause: err,
            },
          ),
        );
      });
      server.listen(port, host, () => {
        this.server = server;
        this.options.onOpen?.(this.address());
        resolve();
      });
    });
    return this.opening;
  }

  /** Stops listening; open connections are closed. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Where the server listens, once open. */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address : undefined;
  }

  /** The URL of a subscription's deliveries, once open. */
  urlFor(subscriptionId: string): string | undefined {
    const address = this.address();
    return (
      address &&
      `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}${this.options.pathPrefix}${encodeURIComponent(subscriptionId)}`
    );
  }

  /** The subscription a request path names, or undefined for another path or a malformed escape. */
  subscriptionIdOf(path: string): string | undefined {
    if (!path.startsWith(this.options.pathPrefix)) return undefined;
    try {
      return decodeURIComponent(path.slice(this.options.pathPrefix.length));
    } catch {
      return undefined;
    }
  }
}
