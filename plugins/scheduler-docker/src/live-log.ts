/**
 * An in-memory log that one producer appends to and several readers follow, each from the
 * first chunk it still holds. Memory is bounded: past `capBytes` the chunks every reader has
 * passed are dropped, and the log no longer starts at the beginning (`fromStart` false).
 */
import type { LogChunk } from '@gofer/core/api';

const EMPTY: LogChunk = Object.freeze({ stream: 'stdout', data: new Uint8Array(0) });

interface ReaderPosition {
  pos: number;
}

/** Options of a {@link LiveLog}. */
export interface LiveLogOptions {
  /** Bytes kept from the beginning before trimming what readers have passed. */
  capBytes: number;
  /** Called when unread bytes cross `highWaterBytes` (true) and fall below a quarter of it (false). */
  onPressure?: (overHighWater: boolean) => void;
  highWaterBytes?: number;
  /** Called when the log gives up its buffer with no reader (over the cap): stop producing. */
  onAbandon?: () => void;
}

/** A follow-able, bounded, multi-reader log buffer. */
export class LiveLog {
  private chunks: LogChunk[] = [];
  /** Logical position of `chunks[dropped]`; `chunks[0..dropped)` are released placeholders. */
  private base = 0;
  private dropped = 0;
  private bytes = 0;
  private ended = false;
  private failure: unknown;
  private startsAtBeginning = true;
  private pressured = false;
  private readonly readers = new Set<ReaderPosition>();
  private waiters: Array<() => void> = [];

  constructor(private readonly options: LiveLogOptions) {}

  /** True while the buffer still holds the output from its first byte. */
  get fromStart(): boolean {
    return this.startsAtBeginning;
  }

  /** True once the producer ended and no reader is left. */
  get idle(): boolean {
    return this.ended && this.readers.size === 0;
  }

  /** Appends one chunk. */
  push(chunk: LogChunk): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.bytes += chunk.data.byteLength;
    if (this.bytes > this.options.capBytes) this.trim();
    this.checkPressure();
    this.wake();
  }

  /** Marks the end of output (with the failure that ended it, if any). */
  end(failure?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.wake();
  }

  /** Drops everything held; readers still following end after what they already have. */
  release(): void {
    this.base += this.chunks.length - this.dropped;
    this.dropped = 0;
    this.chunks = [];
    this.bytes = 0;
    this.startsAtBeginning = false;
    this.end();
  }

  /** Follows the log from the first chunk it holds until the producer ends. */
  async *read(): AsyncGenerator<LogChunk> {
    const reader: ReaderPosition = { pos: this.base };
    this.readers.add(reader);
    try {
      for (;;) {
        if (reader.pos < this.base) reader.pos = this.base; // trimmed by release()
        while (reader.pos < this.base + this.chunks.length - this.dropped) {
          const chunk = this.chunks[this.dropped + reader.pos - this.base]!;
          reader.pos += 1;
          if (this.pressured) this.afterRead();
          yield chunk;
        }
        if (this.ended) {
          if (this.failure !== undefined) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } finally {
      this.readers.delete(reader);
    }
  }

  private trim(): void {
    if (this.readers.size === 0) {
      if (!this.options.onAbandon) return; // keep everything until the first reader arrives
      this.base += this.chunks.length - this.dropped;
      this.dropped = 0;
      this.chunks = [];
      this.bytes = 0;
      this.startsAtBeginning = false;
      this.options.onAbandon?.();
      return;
    }
    let slowest = Infinity;
    for (const r of this.readers) slowest = Math.min(slowest, r.pos);
    const drop = slowest - this.base;
    const from = this.dropped;
    if (drop <= 0) return;
    for (let i = from; i < from + drop; i++) {
      this.bytes -= this.chunks[i]!.data.byteLength;
      this.chunks[i] = EMPTY; // let the data go now; the array is compacted in batches
    }
    this.dropped += drop;
    this.base = slowest;
    if (this.dropped > 1024 && this.dropped * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.dropped);
      this.dropped = 0;
    }
    this.startsAtBeginning = false;
  }

  private checkPressure(): void {
    const high = this.options.highWaterBytes;
    if (high === undefined || this.pressured || this.bytes <= high) return;
    this.pressured = true;
    this.options.onPressure?.(true);
  }

  private afterRead(): void {
    this.trim();
    if (this.bytes < (this.options.highWaterBytes ?? 0) / 4) {
      this.pressured = false;
      this.options.onPressure?.(false);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
