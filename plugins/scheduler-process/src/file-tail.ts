/**
 * Follows an execution's stdout and stderr files from their first byte until the task has
 * ended and both files are read to the end.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { LogChunk } from '@gofer/core/api';

const CHUNK_BYTES = 256 * 1024;

async function openWhenPresent(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch {
    return undefined;
  }
}

/** Waits `ms`, or less when `signal` aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
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

/**
 * Yields chunks of both files as they grow. `finished` is asked only when both files had
 * nothing new; once it says true, the files are drained one last time (the task can no longer
 * write) and the iterable ends. It also ends when `signal` aborts (the scheduler is closing).
 */
export async function* tailFiles(files: Record<LogChunk['stream'], string>, finished: () => Promise<boolean>, signal?: AbortSignal): AsyncGenerator<LogChunk> {
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
      if (done || signal?.aborted) return;
      delayMs = progressed ? 1 : Math.min(delayMs * 2, 50);
      await pause(delayMs, signal);
    }
  } finally {
    await Promise.all(Object.values(handles).map((h) => h?.close()));
  }
}
