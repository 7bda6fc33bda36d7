/**
 * Turns the engine's multiplexed output streams into LogChunks, with dockerode's own
 * `modem.demuxStream` doing the frame parsing.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { LogChunk } from '@gofer/core/api';
import { LiveLog } from './live-log.js';

/** A sink for demuxStream that tags every payload with its stream. */
function sink(stream: LogChunk['stream'], log: LiveLog): Writable {
  return new Writable({
    write(data: Buffer, _encoding, done) {
      log.push({ stream, data });
      done();
    },
  });
}

/**
 * Feeds a multiplexed engine stream (attach or logs) into `log`, ending it with the stream.
 * Returns the function that stops reading.
 */
export function pipeMultiplexed(docker: Docker, source: NodeJS.ReadableStream, log: LiveLog): () => void {
  docker.modem.demuxStream(source, sink('stdout', log), sink('stderr', log));
  const readable = source as NodeJS.ReadableStream & { destroy?: () => void };
  source.on('end', () => log.end());
  source.on('close', () => log.end());
  source.on('error', (err: unknown) => log.end(err));
  return () => readable.destroy?.();
}

/**
 * Follows a container's output through the engine's log endpoint (from the first line, live
 * until the container stops). Used when no attach buffer from the start exists: after a
 * restart of the core, or for a second reader of a long output.
 */
export async function followEngineLogs(docker: Docker, container: Docker.Container): Promise<AsyncIterable<LogChunk>> {
  const source = await container.logs({ follow: true, stdout: true, stderr: true });
  const log = new LiveLog({
    capBytes: 0,
    highWaterBytes: 8 * 1024 * 1024,
    onPressure: (over) => (over ? source.pause() : source.resume()),
  });
  const stop = pipeMultiplexed(docker, source, log);
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* log.read();
      } finally {
        stop();
      }
    },
  };
}
