/**
 * A service's output as an async iterable of chunks that ENDS when the task's output ends.
 *
 * Swarm's service logs with `follow` never end by themselves, even for a finished task, and a
 * container's followed log may end early. So a running task is followed live while its state is
 * polled; once the task has ended (or the live stream ended), the live stream is dropped and one
 * complete (non-follow) read supplies whatever it had not delivered: per stream, the bytes
 * already yielded are skipped. A finished task is read once, without follow.
 */
import { Writable, type Readable } from 'node:stream';
import type { LogChunk } from '@gofer/core/api';

/** Splits Docker's multiplexed stream (dockerode's `modem.demuxStream`). */
export type Demux = (source: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) => void;

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
}

/** Destroys `stream` when `signal` aborts; returns the function that stops watching. */
function destroyOnAbort(stream: Readable, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) stream.destroy();
  const onAbort = () => stream.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** A chunk iterable over a log stream that the signal can cut short. */
async function* readWhole(stream: Readable, src: ServiceLogSource): AsyncGenerator<LogChunk> {
  const unwatch = destroyOnAbort(stream, src.signal);
  try {
    yield* demuxedChunks(stream, src.demux);
  } finally {
    unwatch();
  }
}

const HIGH_WATER = 1 << 20;
/** How long a finished log waits for the swarm to report its task ended. */
const FINISH_WAIT_MS = 30_000;

/** Demultiplexes one log stream into ordered chunks, pausing the source while the reader lags. */
export async function* demuxedChunks(source: Readable, demux: Demux): AsyncGenerator<LogChunk> {
  const queue: LogChunk[] = [];
  let queued = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => { wake?.(); wake = undefined; };
  const sink = (stream: LogChunk['stream']) => new Writable({
    write(chunk: Buffer, _encoding, callback) {
      queue.push({ stream, data: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
      queued += chunk.byteLength;
      if (queued > HIGH_WATER) source.pause();
      notify();
      callback();
    },
  });
  demux(source, sink('stdout'), sink('stderr'));
  const finish = () => { done = true; notify(); };
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', (err) => { failure = err; finish(); });
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        queued -= next.data.byteLength;
        if (queued <= HIGH_WATER / 2 && source.isPaused()) source.resume();
        yield next;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    source.destroy();
  }
}

/** The chunks of `all`, minus the first `skip[stream]` bytes of each stream. */
async function* withoutPrefix(all: AsyncIterable<LogChunk>, skip: Record<LogChunk['stream'], number>): AsyncGenerator<LogChunk> {
  for await (const chunk of all) {
    const left = skip[chunk.stream];
    if (left >= chunk.data.byteLength) { skip[chunk.stream] = left - chunk.data.byteLength; continue; }
    skip[chunk.stream] = 0;
    yield left === 0 ? chunk : { stream: chunk.stream, data: chunk.data.subarray(left) };
  }
}

/** The whole output of a service's task, live while it runs, ending when the task's output ends. */
export async function* serviceLogs(src: ServiceLogSource): AsyncGenerator<LogChunk> {
  if (await src.isFinished()) {
    yield* readWhole(await src.open(false), src);
    return;
  }
  const liveStream = await src.open(true);
  const unwatch = destroyOnAbort(liveStream, src.signal);
  const live = demuxedChunks(liveStream, src.demux);
  const delivered: Record<LogChunk['stream'], number> = { stdout: 0, stderr: 0 };
  let pending: Promise<IteratorResult<LogChunk>> | undefined = live.next();
  let tick: Promise<'tick'> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      tick ??= new Promise((resolve) => { timer = setTimeout(() => resolve('tick'), src.pollIntervalMs); });
      const winner = await Promise.race([pending, tick]);
      if (winner !== 'tick') {
        if (winner.done) {
          // The live stream ended by itself (a container's log ends when it exits). That is not
          // proof the output is whole: a follow stream can end before delivering all of it when
          // the container exits (seen on Docker 20.10 with 20 MB of output). Wait until the swarm
          // reports the task ended (so a reader who asks for the state next sees the final one),
          // then let the complete read below fill in whatever the live stream missed.
          for (let waited = 0; waited < FINISH_WAIT_MS && !src.signal?.aborted && !(await src.isFinished()); waited += src.pollIntervalMs) {
            await new Promise((resolve) => setTimeout(resolve, src.pollIntervalMs));
          }
          break;
        }
        delivered[winner.value.stream] += winner.value.data.byteLength;
        yield winner.value;
        pending = live.next();
        continue;
      }
      tick = undefined;
      if (src.signal?.aborted || (await src.isFinished())) break;
    }
    // The task has ended: drop the live stream (a chunk it still holds is in the full read too).
    liveStream.destroy();
    await pending.catch(() => undefined);
    pending = undefined;
    await live.return(undefined);
    if (src.signal?.aborted) return;
    yield* withoutPrefix(readWhole(await src.open(false), src), delivered);
  } finally {
    unwatch();
    clearTimeout(timer);
    liveStream.destroy();
    if (pending) {
      await pending.catch(() => undefined);
      await live.return(undefined);
    }
  }
}
