/**
 * Follows an execution's stdout and stderr files from their first byte until the task has
 * ended and both files are read to the end.
 */
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import type { LogChunk } from '@gofer/core/api';
import { pause, type Latch } from './latch.js';

const CHUNK_BYTES = 256 * 1024;

/**
 * The files are local and small operations on them take a few microseconds, less than a round
 * trip through libuv's thread pool (two to four of them per poll, on every step of a chain of
 * tasks): they are opened, sized and closed synchronously. A read is synchronous when what is
 * left fits one chunk; a longer backlog is read chunk by chunk through the thread pool, so a
 * task that wrote gigabytes does not hold the event loop while it is drained.
 */
function openWhenPresent(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}

function readAsync(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))));
}

/**
 * Yields chunks of both files as they grow. `finished` is asked only when both files had
 * nothing new; once it says true, the files are drained one last time (the task can no longer
 * write) and the iterable ends. Between polls it waits up to 50 ms, less when `ended` is set
 * (the task's end is known at once: no poll interval is added to it). It ends when `closing`
 * is set (the scheduler is closing).
 */
export async function* tailFiles(
  files: Record<LogChunk['stream'], string>,
  finished: () => Promise<boolean>,
  closing: Latch,
  ended?: Latch,
): AsyncGenerator<LogChunk> {
  const streams: Array<LogChunk['stream']> = ['stdout', 'stderr'];
  const fds: Partial<Record<LogChunk['stream'], number>> = {};
  const positions = { stdout: 0, stderr: 0 };
  let delayMs = 1;
  let buffer: Buffer | undefined; // most tasks write nothing: no 256 KiB for them
  try {
    for (;;) {
      const done = await finished(); // asked before reading: whatever it saw written is read below
      let progressed = false;
      for (const stream of streams) {
        fds[stream] ??= openWhenPresent(files[stream]);
        const fd = fds[stream];
        if (fd === undefined) continue;
        for (;;) {
          const left = fstatSync(fd).size - positions[stream];
          if (left <= 0) break;
          buffer ??= Buffer.allocUnsafe(CHUNK_BYTES);
          const bytesRead = left <= CHUNK_BYTES ? readSync(fd, buffer, 0, CHUNK_BYTES, positions[stream]) : await readAsync(fd, buffer, positions[stream]);
          if (bytesRead === 0) break; // truncated meanwhile: nothing more to read now
          positions[stream] += bytesRead;
          progressed = true;
          yield { stream, data: Buffer.from(buffer.subarray(0, bytesRead)) }; // a copy: the buffer is reused
        }
      }
      if (done || closing.isSet) return;
      delayMs = progressed ? 1 : Math.min(delayMs * 2, 50);
      await pause(delayMs, closing, ended);
    }
  } finally {
    for (const fd of Object.values(fds)) if (fd !== undefined) closeSync(fd);
  }
}
