/**
 * Live log throughput: a container writes N MB to stdout; the scheduler's getLogs stream is
 * written into a file, against raw dockerode attach-before-start + demuxStream into a file.
 * Goal: ratio (gofer MB/s / raw MB/s) >= 0.9.
 *   node --conditions=gofer-source --import tsx bench/docker-log-throughput.ts [rounds] [megabytes]
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tempDir } from '@gofer/testkit';
import { TEST_LABEL } from '../test/helpers/docker.js';
import { alternate, BENCH_TAG, benchScheduler, cleanup, docker, report, schedulerTask, TEST_IMAGE } from './scheduler-bench-kit.js';

const rounds = Number(process.argv[2] ?? 5);
const megabytes = Number(process.argv[3] ?? 50);
const bytes = megabytes * 1024 * 1024;
const command = ['sh', '-c', `yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}`];
const dir = tempDir('gofer-bench-logs');
const scheduler = benchScheduler();

async function finish(file: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (file.bytesWritten !== bytes) throw new Error(`wrote ${file.bytesWritten} bytes, expected ${bytes}`);
}

async function throughScheduler(): Promise<void> {
  const path = join(dir, 'gofer.log');
  const file = createWriteStream(path);
  await schedulerTask(scheduler, command, (data) => {
    file.write(data);
  });
  await finish(file);
  await rm(path);
}

async function rawAttach(): Promise<void> {
  const path = join(dir, 'raw.log');
  const file = createWriteStream(path);
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: command,
    Labels: { [TEST_LABEL]: BENCH_TAG },
    HostConfig: { NetworkMode: 'none' },
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
  const ended = new Promise((resolve) => stream.on('end', resolve));
  docker.modem.demuxStream(stream, file, new Writable({ write: (_c, _e, done) => done() }));
  await container.start();
  await ended;
  await container.wait();
  await container.remove({ force: true });
  await finish(file);
  await rm(path);
}

try {
  await rawAttach();
  await throughScheduler();
  const { medians, pairedRatios } = await alternate(rounds, { gofer: throughScheduler, raw: rawAttach });
  const mbps = (ms: number) => megabytes / (ms / 1000);
  // Throughput is the inverse of time: the throughput ratio is raw time / gofer time.
  report({
    row: `log throughput, ${megabytes} MB`,
    ours: mbps(medians.gofer!),
    raw: mbps(medians.raw!),
    unit: 'MB/s',
    rawName: 'raw dockerode attach',
    ratio: medians.raw! / medians.gofer!,
    paired: 1 / pairedRatios.gofer!,
    op: '>=',
    goal: 0.9,
  });
  console.log(`  (${rounds} alternating rounds)`);
} finally {
  await scheduler.close();
  await cleanup();
  await rm(dir, { recursive: true, force: true });
}
