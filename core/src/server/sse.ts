/**
 * Server-Sent Events: `text/event-stream` answers for task logs and events, written to the raw
 * response once the route took it over from Fastify. A comment line is sent every 15 s so
 * proxies keep the connection open; the stream ends when the source ends, the client goes
 * away, or the server closes. Writes wait for the socket to drain (backpressure): a slow
 * client slows the reading of the source, it never grows the server's memory.
 */
import type { ServerResponse } from 'node:http';

/** One SSE message. `data` is JSON-encoded (one line, so no multi-line framing is needed). */
export interface SseMessage {
  event?: string;
  id?: string | number;
  data: unknown;
}

export class SseStream<Message = SseMessage> {
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    heartbeatMs = 15_000,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write(': stream open\n\n');
    this.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
    res.on('close', () => clearInterval(this.heartbeat));
  }

  /** Writes one message; resolves once the socket drained when it had to buffer. */
  async send(message: Message & SseMessage): Promise<void> {
    const msg: SseMessage = message;
    if (this.res.writableEnded || this.res.destroyed) return;
    let frame = '';
    if (msg.event) frame += `event: ${msg.event}\n`;
    if (msg.id !== undefined) frame += `id: ${msg.id}\n`;
    frame += `data: ${JSON.stringify(msg.data)}\n\n`;
    if (!this.res.write(frame))
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.once('drain', done);
        this.res.once('close', done);
      });
  }

  end(): void {
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
  }
}
