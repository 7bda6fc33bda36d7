/**
 * Helpers of the scheduler contract suite (collect and waitForEnd are exported for plugin authors' own tests): reading logs, polling state, the expected output of
 * `seq`, and the child process that plays "the core died mid-task".
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ContainerStatus, LogChunk, Scheduler, StartContainerRequest } from '@gofer/core/api';

const decoder = () => new TextDecoder();

/** Reads a log to its end, per stream. */
export async function collect(logs: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string; bytes: Record<LogChunk['stream'], number> }> {
  const text = { stdout: decoder(), stderr: decoder() };
  const out = { stdout: '', stderr: '', bytes: { stdout: 0, stderr: 0 } };
  for await (const chunk of logs) {
    out[chunk.stream] += text[chunk.stream].decode(chunk.data, { stream: true });
    out.bytes[chunk.stream] += chunk.data.byteLength;
  }
  return out;
}

/** Polls getState until the task is not running (deadline 60 s: a hung task fails the test). */
export async function waitForEnd(scheduler: Scheduler, schedulerId: string, timeoutMs = 60_000): Promise<ContainerStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await scheduler.getState({ schedulerId });
    if (status.state !== 'running') return status;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${schedulerId} to end`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Reads a live log until `marker` appeared on stdout; returns the rest of the iterator. */
export async function readUntil(logs: AsyncIterable<LogChunk>, marker: string): Promise<{ seen: string; rest: AsyncIterator<LogChunk> }> {
  const iterator = logs[Symbol.asyncIterator]();
  const text = decoder();
  let seen = '';
  while (!seen.includes(marker)) {
    const next = await iterator.next();
    if (next.done) throw new Error(`log ended before "${marker}" appeared (got ${JSON.stringify(seen)})`);
    if (next.value.stream === 'stdout') seen += text.decode(next.value.data, { stream: true });
  }
  return { seen, rest: iterator };
}

/** `seq 1 count` as text in pieces of about 64 KiB. */
export function seqChunks(count: number): string[] {
  const chunks: string[] = [];
  let piece = '';
  for (let i = 1; i <= count; i++) {
    piece += `${i}\n`;
    if (piece.length >= 65_536) {
      chunks.push(piece);
      piece = '';
    }
  }
  if (piece) chunks.push(piece);
  return chunks;
}

/** The output of `seq 1 count` for the smallest count whose output reaches `bytes`. */
export function seqOutput(bytes: number): { count: number; expected: { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let total = 0;
  let count = 0;
  let batch = '';
  while (total < bytes) {
    count += 1;
    const line = `${count}\n`;
    total += line.length;
    batch += line;
    if (batch.length > 1 << 20) {
      hash.update(batch);
      batch = '';
    }
  }
  hash.update(batch);
  return { count, expected: { bytes: total, sha256: hash.digest('hex') } };
}

// Beside this module: restart-child.ts when the sources run (the repository's tests), .js when built.
const CHILD = fileURLToPath(new URL(`./restart-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * Starts the task in a child process that reads its log until "before", prints the scheduler
 * id and exits without closing anything: the core dying mid-task. The child runs with this
 * process's Node options (`process.execArgv`), so a factory module written in TypeScript loads
 * there as it did here (through tsx, a --conditions flag, Node's type stripping).
 */
export async function startInChildProcess(factoryModule: string, dataDir: string, request: StartContainerRequest): Promise<string> {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, factoryModule, dataDir, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`restart child exited with ${code}: ${stdout}`);
  const id = /schedulerId=(\S+)/.exec(stdout)?.[1];
  if (!id) throw new Error(`restart child printed no scheduler id: ${stdout}`);
  return id;
}
