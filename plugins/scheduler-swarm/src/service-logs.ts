/**
 * A service's output as an async iterable of chunks that ENDS when the task's output ends.
 *
 * Swarm's service logs with `follow` never end by themselves, even for a finished task, and a
 * container's followed log may end early (or break, when the engine serving it goes away). So
 * a running task is followed live while its state is polled; once the task has ended, the live
 * stream is dropped and one complete (non-follow) read supplies whatever it had not delivered.
 * A live stream that ends or breaks while the task still runs is opened again. Every stream is
 * read from the beginning: per stream, the bytes already yielded are skipped, so nothing repeats.
 */
import { Writable, type Readable } from 'node:stream';
import type { LogChunk } from '@gofer/core/api';

/** Splits Docker's multiplexed stream into stdout and stderr. */
export type Demux = (source: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) => void;

/**
 * Docker's multiplexed log stream: frames of an 8-byte header (stream type, 3 zero bytes, a
 * big-endian length) and the payload. Type 1 is stdout, 2 stderr, 3 an error of the engine
 * itself: a swarm manager that cannot reach the node holding the logs says so in such a frame
 * ("incomplete log stream ... node ... is not available"). That frame fails the source stream
 * with its text: dockerode's own demuxer would write it, header and all, into stdout.
 */
export const dockerDemux: Demux = (source, stdout, stderr) => {
  let buffered: Buffer = Buffer.alloc(0);
  const onData = (data: Buffer) => {
    buffered = buffered.length === 0 ? data : Buffer.concat([buffered, data]);
    while (buffered.length >= 8) {
      const type = buffered.readUInt8(0);
      const length = buffered.readUInt32BE(4);
      if (buffered.length < 8 + length) return;
      const payload = buffered.subarray(8, 8 + length);
      buffered = buffered.subarray(8 + length);
      if (type === 1 || type === 0) stdout.write(payload);
      else if (type === 2) stderr.write(payload);
      else {
        source.removeListener('data', onData);
        (source as Readable).destroy(new Error(`the engine reported: ${payload.toString().trim()}`));
        return;
      }
    }
  };
  source.on('data', onData);
};

/** What the log follower needs from the scheduler. */
export interface ServiceLogSource {
  /** Opens the service's multiplexed log stream from its beginning. */
  open(follow: boolean): Promise<Readable>;
  /** True once the task has ended (or the service is gone): its output is complete. */
  isFinished(): Promise<boolean>;
  demux: Demux;
  pollIntervalMs: number;
  /** Aborted when the scheduler closes: the iterable ends at once. */
  signal?: AbortSignal;
  /**
   * How long the complete read of an ended task may bring nothing before it is given up
   * (default {@link COMPLETE_READ_STALL_MS}): swarm's service logs sometimes never end even
   * without `follow` (moby/moby#38640, docker/cli#4678).
   */
  stallMs?: number;
  /** Told when the complete read stalled and was given up (the output may lack its end). */
  onStall?: () => void;
}

/** A complete log read of an ended task that brings nothing for this long has stalled. */
export const COMPLETE_READ_STALL_MS = 10_000;

/** Destroys `stream` when `signal` aborts; returns the function that stops watching. */
function destroyOnAbort(stream: Readable, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) stream.destroy();
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * A chunk iterable over a complete (non-follow) log stream that the signal can cut short, and
 * that ends when the stream brings nothing for `stallMs`: swarm's log broker can keep such a
 * stream open after its last line, which would leave the task's log open for ever.
 */
async function* readWhole(stream: Readable, src: ServiceLogSource): AsyncGenerator<LogChunk> {
  const unwatch = destroyOnAbort(stream, src.signal);
  const stallMs = src.stallMs ?? COMPLETE_READ_STALL_MS;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      src.onStall?.();
      stream.destroy();
    }, stallMs);
  };
  arm();
  stream.on('data', arm);
  try {
    yield* demuxedChunks(stream, src.demux);
  } finally {
    clearTimeout(timer);
    stream.off('data', arm);
    unwatch();
  }
}

const HIGH_WATER = 1 << 20;

/** Demultiplexes one log stream into ordered chunks, pausing the source while the reader lags. */
export async function* demuxedChunks(source: Readable, demux: Demux): AsyncGenerator<LogChunk> {
  const queue: LogChunk[] = [];
  let queued = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const sink = (stream: LogChunk['stream']) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        queue.push({ stream, data: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
        queued += chunk.byteLength;
        if (queued > HIGH_WATER) source.pause();
        notify();
        callback();
      },
    });
  demux(source, sink('stdout'), sink('stderr'));
  const finish = () => {
    done = true;
    notify();
  };
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', (err) => {
    failure = err;
    finish();
  });
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        queued -= next.data.byteLength;
        if (queued <= HIGH_WATER / 2 && source.isPaused()) source.resume();
        yield next;
        continue;
      }
      if (failure !== undefined) throw failure as Error;
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    source.destroy();
  }
}

/** Bytes of each stream already yielded to the reader. */
type Delivered = Record<LogChunk['stream'], number>;

/**
 * The chunks of a stream read from the beginning, minus what was already delivered (per
 * stream). The caller counts what it hands on (a chunk taken but never handed on, because the
 * stream was dropped, must come again from the next read).
 */
async function* unseen(all: AsyncIterable<LogChunk>, delivered: Readonly<Delivered>): AsyncGenerator<LogChunk> {
  const seen: Delivered = { stdout: 0, stderr: 0 };
  for await (const chunk of all) {
    const { stream, data } = chunk;
    const skip = delivered[stream] - seen[stream];
    seen[stream] += data.byteLength;
    if (skip >= data.byteLength) continue;
    yield skip > 0 ? { stream, data: data.subarray(skip) } : chunk;
  }
}

/** The whole output of a service's task, live while it runs, ending when the task's output ends. */
export async function* serviceLogs(src: ServiceLogSource): AsyncGenerator<LogChunk> {
  const delivered: Delivered = { stdout: 0, stderr: 0 };
  for (let attempt = 0; ; attempt++) {
    if (src.signal?.aborted) return;
    if (await src.isFinished()) break;
    // A stream that ended while the task runs (an engine restarting, a follow ended early) is
    // opened again after a pause; the task's end, or its node's loss, ends the loop.
    if (attempt > 0) await pause(src.pollIntervalMs, src.signal);
    if (src.signal?.aborted) return;
    if (yield* followLive(src, delivered)) break;
  }
  if (src.signal?.aborted) return;
  yield* unseen(readWhole(await src.open(false), src), delivered);
}

/**
 * Follows one live stream, yielding what it brings, until the task has finished (true) or the
 * stream ended or broke first (false). Polls `isFinished` meanwhile; a poll that fails while
 * output still flows is not a reason to stop reading.
 */
async function* followLive(src: ServiceLogSource, delivered: Delivered): AsyncGenerator<LogChunk, boolean> {
  const liveStream = await src.open(true);
  const unwatch = destroyOnAbort(liveStream, src.signal);
  const live = unseen(demuxedChunks(liveStream, src.demux), delivered);
  let pending: Promise<IteratorResult<LogChunk>> | undefined = live.next();
  let tick: Promise<'tick'> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      tick ??= new Promise((resolve) => {
        timer = setTimeout(() => resolve('tick'), src.pollIntervalMs);
      });
      let winner: IteratorResult<LogChunk> | 'tick';
      try {
        winner = await Promise.race([pending, tick]);
      } catch {
        pending = undefined;
        return false; // the stream broke (its engine went away): the caller looks again
      }
      if (winner !== 'tick') {
        if (winner.done) {
          pending = undefined;
          return false;
        }
        delivered[winner.value.stream] += winner.value.data.byteLength;
        yield winner.value;
        pending = live.next();
        continue;
      }
      tick = undefined;
      if (src.signal?.aborted) return true;
      if (await src.isFinished().catch(() => false)) return true;
    }
  } finally {
    unwatch();
    clearTimeout(timer);
    // The task has ended (or the stream did): drop it; a chunk it still holds is in the full read too.
    liveStream.destroy();
    if (pending) await pending.catch(() => undefined);
    await live.return(undefined);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
