/**
 * Task outputs through the task's own stdout. A swarm task may run on any node, so the manager
 * cannot read a file from its container; instead the task wrapper (task-wrapper.ts) prints the
 * `GOFER_OUTPUT` file, once the task has ended, as a trailer framed by a per-execution nonce:
 *
 * ```text
 * GOFER-OUTPUT-BEGIN <nonce> <base64|hex|raw> <bytes>\n
 * <the file's bytes, encoded>\n
 * GOFER-OUTPUT-END <nonce>\n
 * ```
 *
 * The nonce is random per execution and kept as a service label, so a new scheduler instance
 * knows it; nothing else in the logs can match it by chance. {@link OutputTrailerParser} splits
 * stdout into the task's own bytes (what `getLogs` yields) and the trailers (what `readOutputs`
 * returns: the last well-formed one).
 */
import { randomBytes } from 'node:crypto';
import type { LogChunk } from '@gofer/core/api';

/** The service label carrying the nonce of the execution's trailer. */
export const OUTPUT_NONCE_LABEL = 'gofer.output-nonce';
/** Where the task writes its outputs: a tmpfs of the container alone (see task-wrapper.ts). */
export const OUTPUT_DIR = '/run/gofer';
export const OUTPUT_PATH = `${OUTPUT_DIR}/output`;

export const BEGIN_WORD = 'GOFER-OUTPUT-BEGIN';
export const END_WORD = 'GOFER-OUTPUT-END';
/** A header longer than this is not one the wrapper wrote. */
const MAX_HEADER = 128;

/** A fresh nonce: 128 random bits, hex (safe in a label and in a shell word). */
export function outputNonce(): string {
  return randomBytes(16).toString('hex');
}

type Encoding = 'base64' | 'hex' | 'raw';

/** The longest proper prefix of `marker` that `buf` ends with (its length; 0 for none). */
function partialSuffix(buf: Buffer, marker: Buffer): number {
  const first = marker[0];
  for (let k = Math.min(buf.length, marker.length - 1); k > 0; k--) {
    if (buf[buf.length - k] !== first) continue;
    if (buf.subarray(buf.length - k).equals(marker.subarray(0, k))) return k;
  }
  return 0;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Splits stdout, pushed in chunks of any size, into the task's own bytes and the trailers
 * framed by one nonce. Bytes that may be the start of a marker are held back until the next
 * chunk (or {@link flush}) tells. With `keepBytes` > 0 it also keeps, of each trailer, up to that
 * many encoded bytes and decodes the last complete one ({@link last}); with 0 it only strips.
 */
export class OutputTrailerParser {
  private readonly begin: Buffer;
  private readonly end: Buffer;
  private state: 'text' | 'header' | 'body' = 'text';
  private held: Buffer = Buffer.alloc(0);
  private header = '';
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private overflow = false;
  private lastPayload: Buffer | undefined;

  constructor(
    nonce: string,
    private readonly keepBytes = 0,
  ) {
    this.begin = Buffer.from(`${BEGIN_WORD} ${nonce} `);
    this.end = Buffer.from(`${END_WORD} ${nonce}\n`);
  }

  /** Feeds the next stdout bytes; returns those of the task's own that can be handed on now. */
  push(data: Uint8Array): Buffer {
    let buf = this.held.length > 0 ? Buffer.concat([this.held, asBuffer(data)]) : asBuffer(data);
    this.held = Buffer.alloc(0);
    const out: Buffer[] = [];
    while (buf.length > 0) {
      if (this.state === 'text') {
        const at = buf.indexOf(this.begin);
        if (at >= 0) {
          out.push(buf.subarray(0, at));
          buf = buf.subarray(at + this.begin.length);
          this.state = 'header';
          this.header = '';
          continue;
        }
        const k = partialSuffix(buf, this.begin);
        out.push(buf.subarray(0, buf.length - k));
        this.held = Buffer.from(buf.subarray(buf.length - k));
        break;
      }
      if (this.state === 'header') {
        const nl = buf.indexOf(0x0a);
        this.header += buf.subarray(0, nl >= 0 ? nl : buf.length).toString('latin1');
        if (nl < 0 && this.header.length <= MAX_HEADER) break;
        buf = nl >= 0 ? buf.subarray(nl + 1) : Buffer.alloc(0);
        this.state = 'body';
        this.body = [];
        this.bodyBytes = 0;
        this.overflow = false;
        continue;
      }
      const at = buf.indexOf(this.end);
      if (at >= 0) {
        this.keep(buf.subarray(0, at));
        this.finish();
        buf = buf.subarray(at + this.end.length);
        this.state = 'text';
        continue;
      }
      const k = partialSuffix(buf, this.end);
      this.keep(buf.subarray(0, buf.length - k));
      this.held = Buffer.from(buf.subarray(buf.length - k));
      break;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /**
   * At the end of the stream: the held-back bytes, when they were the task's own. A trailer the
   * stream ended inside (the container was killed while printing it) is dropped.
   */
  flush(): Buffer {
    const rest = this.state === 'text' ? this.held : Buffer.alloc(0);
    this.held = Buffer.alloc(0);
    return rest;
  }

  /** The last complete, well-formed trailer's bytes (its start only, when more than `keepBytes` encoded bytes came), or undefined. */
  get last(): Buffer | undefined {
    return this.lastPayload;
  }

  private keep(encoded: Buffer): void {
    if (this.keepBytes <= 0 || encoded.length === 0) return;
    const room = this.keepBytes - this.bodyBytes;
    if (encoded.length > room) this.overflow = true;
    const part = encoded.length > room ? encoded.subarray(0, Math.max(0, room)) : encoded;
    if (part.length === 0) return;
    this.body.push(Buffer.from(part));
    this.bodyBytes += part.length;
  }

  private finish(): void {
    if (this.keepBytes <= 0) return;
    const [encoding, size] = this.header.split(' ');
    const expected = size === undefined || size === '-' ? undefined : Number(size);
    const decoded = decode(encoding as Encoding, Buffer.concat(this.body), this.overflow);
    if (decoded === undefined) return;
    // A trailer cut short (the log lost a piece) or interleaved with a leftover background
    // process's output is not the file: keep the earlier one instead.
    if (!this.overflow && expected !== undefined && decoded.length !== expected) return;
    this.lastPayload = decoded;
  }
}

function decode(encoding: Encoding, body: Buffer, truncated: boolean): Buffer | undefined {
  const text = body.toString('latin1');
  if (encoding === 'base64') {
    const compact = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
    return Buffer.from(compact, 'base64');
  }
  if (encoding === 'hex') {
    const compact = text.replace(/\s+/g, '');
    if (!/^[0-9a-fA-F]*$/.test(compact)) return undefined;
    return Buffer.from(compact.length % 2 === 0 ? compact : compact.slice(0, -1), 'hex');
  }
  if (encoding === 'raw') {
    // `cat file; echo`: the wrapper's own newline ends the body.
    return truncated || body[body.length - 1] !== 0x0a ? body : body.subarray(0, -1);
  }
  return undefined;
}

/** A task's log chunks with the trailers of `nonce` removed from stdout (stderr is untouched). */
export async function* withoutTrailers(chunks: AsyncIterable<LogChunk>, nonce: string): AsyncGenerator<LogChunk> {
  const parser = new OutputTrailerParser(nonce);
  for await (const chunk of chunks) {
    if (chunk.stream !== 'stdout') {
      yield chunk;
      continue;
    }
    const own = parser.push(chunk.data);
    if (own.length > 0) yield { stream: 'stdout', data: new Uint8Array(own.buffer, own.byteOffset, own.byteLength) };
  }
  const rest = parser.flush();
  if (rest.length > 0) yield { stream: 'stdout', data: new Uint8Array(rest.buffer, rest.byteOffset, rest.byteLength) };
}

/**
 * The bytes of the last well-formed trailer of `nonce` on the chunks' stdout: at most
 * `maxBytes + 1` of them, undefined when there is none (the task wrote no output).
 */
export async function lastTrailer(chunks: AsyncIterable<LogChunk>, nonce: string, maxBytes: number): Promise<Uint8Array | undefined> {
  const limit = maxBytes + 1;
  // Encoded bytes to keep: hex (od) takes a little over 3 per byte, base64 1.35, raw 1.
  const parser = new OutputTrailerParser(nonce, 4 * limit + 64);
  for await (const chunk of chunks) if (chunk.stream === 'stdout') parser.push(chunk.data);
  const payload = parser.last;
  if (payload === undefined || payload.length === 0) return undefined;
  const bounded = payload.length > limit ? payload.subarray(0, limit) : payload;
  return new Uint8Array(bounded.buffer, bounded.byteOffset, bounded.byteLength);
}
