/**
 * An in-memory log that one producer appends to and readers follow. Until the first reader
 * arrives, everything is kept (up to `capBytes`; past that the log is abandoned), so a reader
 * that comes shortly after the producer started still gets the output from its first byte.
 * Once readers follow it, chunks every reader has passed are dropped: memory holds only what
 * is unread, and `highWaterBytes` of unread data pauses the producer. A reader arriving after
 * anything was dropped cannot start from the beginning (`fromStart` is false): serve it from
 * elsewhere.
 */
import type { LogChunk } from '@gofer/core/api';

const EMPTY: LogChunk = Object.freeze({ stream: 'stdout', data: new Uint8Array(0) });

interface ReaderPosition {
  pos: number;
}

/** Options of a {@link LiveLog}. */
export interface LiveLogOptions {
  /** Bytes kept while no reader has arrived. */
  capBytes: number;
  /**
   * Called when the log gives up (over `capBytes` with no reader): the producer should stop.
   * Without it, the log keeps everything until a reader arrives (use `highWaterBytes`).
   */
  onAbandon?: () => void;
  /** Unread bytes above which the producer is asked to pause. */
  highWaterBytes?: number;
  /** `true`: pause the producer; `false`: resume it (below a quarter of the high-water mark). */
  onPressure?: (pause: boolean) => void;
}

/** A follow-able, bounded, multi-reader log buffer. */
export class LiveLog {
  /** `chunks[dropped + i]` is the chunk at logical position `base + i`. */
  private chunks: LogChunk[] = [];
  private base = 0;
  private dropped = 0;
  private bytes = 0;
  private ended = false;
  private failure: unknown;
  private startsAtBeginning = true;
  private paused = false;
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
    if (this.readers.size > 0) this.trim();
    else if (this.bytes > this.options.capBytes && this.options.onAbandon) this.abandon();
    this.checkPressure();
    this.wake();
  }

  /** Marks the end of output (with the failure that ended it, if any). */
  end(failure?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.resume();
    this.wake();
  }

  /** Drops everything held and ends; readers end after what they already have. */
  release(): void {
    this.dropAll();
    this.end();
  }

  /** Follows the log from the first chunk it holds until the producer ends. */
  async *read(): AsyncGenerator<LogChunk> {
    const reader: ReaderPosition = { pos: this.base };
    this.readers.add(reader);
    try {
      for (;;) {
        if (reader.pos < this.base) reader.pos = this.base; // everything was dropped by release()
        while (reader.pos < this.base + this.chunks.length - this.dropped) {
          const chunk = this.chunks[this.dropped + reader.pos - this.base]!;
          reader.pos += 1;
          yield chunk;
        }
        if (this.ended) {
          if (this.failure !== undefined) throw this.failure as Error;
          return;
        }
        this.trim(); // this reader caught up: let go of what all readers passed, maybe resume
        this.checkPressure();
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    } finally {
      this.readers.delete(reader);
    }
  }

  private trim(): void {
    let slowest = Infinity;
    for (const r of this.readers) slowest = Math.min(slowest, r.pos);
    const drop = slowest - this.base;
    if (drop <= 0 || slowest === Infinity) return;
    for (let i = this.dropped; i < this.dropped + drop; i++) {
      this.bytes -= this.chunks[i]!.data.byteLength;
      this.chunks[i] = EMPTY; // let the data go now; the array is compacted in batches
    }
    this.dropped += drop;
    this.base = slowest;
    this.startsAtBeginning = false;
    if (this.dropped > 1024 && this.dropped * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.dropped);
      this.dropped = 0;
    }
  }

  private abandon(): void {
    this.dropAll();
    this.options.onAbandon?.();
  }

  private dropAll(): void {
    this.base += this.chunks.length - this.dropped;
    this.chunks = [];
    this.dropped = 0;
    this.bytes = 0;
    this.startsAtBeginning = false;
  }

  private checkPressure(): void {
    const high = this.options.highWaterBytes;
    if (high === undefined) return;
    // With onAbandon, an unread log is never paused: nobody may ever come to read it.
    const mayPause = this.readers.size > 0 || !this.options.onAbandon;
    if (!this.paused && mayPause && this.bytes > high) {
      this.paused = true;
      this.options.onPressure?.(true);
    } else if (this.paused && this.bytes < high / 4) {
      this.resume();
    }
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.options.onPressure?.(false);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
