/**
 * Follows an execution's stdout and stderr files from their first byte until the task has
 * ended and both files are read to the end.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { LogChunk } from '@gofer/core/api';
import { pause, type Latch } from './latch.js';

const CHUNK_BYTES = 256 * 1024;

async function openWhenPresent(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch {
    return undefined;
  }
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
  const handles: Partial<Record<LogChunk['stream'], FileHandle>> = {};
  const positions = { stdout: 0, stderr: 0 };
  let delayMs = 1;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    for (;;) {
      const done = await finished(); // asked before reading: whatever it saw written is read below
      let progressed = false;
      for (const stream of streams) {
        handles[stream] ??= await openWhenPresent(files[stream]);
        const handle = handles[stream];
        if (!handle) continue;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, positions[stream]);
          if (bytesRead === 0) break;
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
    await Promise.all(Object.values(handles).map((h) => h?.close()));
  }
}
