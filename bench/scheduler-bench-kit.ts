/**
 * Shared pieces of the scheduler benchmarks: the raw dockerode baseline, medians, cleanup.
 * Every container carries `gofer.test=<BENCH_TAG>` and is removed at the end.
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import type { Scheduler, StartContainerRequest } from '@gofer/core/api';
import { DockerScheduler } from '@gofer/scheduler-docker';
import { tempDir, testContext } from '@gofer/testkit';
import { TEST_IMAGE, TEST_LABEL } from '../test/helpers/docker.js';
import { median, verdict, type GoalOp } from './verdict-kit.js';

/** Unique to this benchmark process. */
export const BENCH_TAG = `bench-${randomUUID().slice(0, 8)}`;
export const docker = new Docker();
export { median, TEST_IMAGE };

/** The scheduler under test, configured like the raw baseline (no network). */
export function benchScheduler(): DockerScheduler {
  return new DockerScheduler(testContext('docker', tempDir('gofer-bench')), { networkMode: 'none' });
}

let counter = 0;
/** A start request for one benchmark task. */
export function benchRequest(command: string[]): StartContainerRequest {
  counter += 1;
  return { id: `${BENCH_TAG}_${counter}`, image: TEST_IMAGE, variables: {}, secrets: {}, command, labels: { [TEST_LABEL]: BENCH_TAG } };
}

/** One task through the scheduler, the way the core drives it: start, logs to EOF, final state, remove. */
export async function schedulerTask(scheduler: Scheduler, command: string[], onChunk?: (data: Uint8Array) => void): Promise<void> {
  const { schedulerId } = await scheduler.startContainer(benchRequest(command));
  for await (const chunk of await scheduler.getLogs({ schedulerId })) onChunk?.(chunk.data);
  const state = await scheduler.getState({ schedulerId });
  if (state.state !== 'exited' || state.exitCode !== 0) throw new Error(`task ended ${JSON.stringify(state)}`);
  await scheduler.removeContainer!({ schedulerId });
}

/** The raw baseline: dockerode create, start, wait, remove on the same image and settings. */
export async function rawTask(command: string[]): Promise<void> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: command,
    Labels: { [TEST_LABEL]: BENCH_TAG },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  const result = (await container.wait()) as { StatusCode: number };
  if (result.StatusCode !== 0) throw new Error(`raw task exited ${result.StatusCode}`);
  await container.remove({ force: true });
}

/** Milliseconds one call of `fn` takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Medians per candidate, and the median of the per-round ratios of each candidate to `raw`. */
export interface Measured {
  medians: Record<string, number>;
  /** Per-round `candidate / raw`, median over rounds: robust against the engine's drift under load. */
  pairedRatios: Record<string, number>;
}

/**
 * Runs `rounds` rounds of every candidate, alternating their order so that drift of the engine
 * favours none. One candidate must be named `raw`.
 */
export async function alternate(rounds: number, candidates: Record<string, () => Promise<unknown>>): Promise<Measured> {
  const names = Object.keys(candidates);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) samples[name]!.push(await timed(candidates[name]!));
  }
  const raw = samples.raw!;
  return {
    medians: Object.fromEntries(names.map((n) => [n, median(samples[n]!)])),
    pairedRatios: Object.fromEntries(names.map((n) => [n, median(samples[n]!.map((v, i) => v / raw[i]!))])),
  };
}

/** Removes every container this benchmark created. */
export async function cleanup(): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${BENCH_TAG}`] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
}

/** One scheduler row: medians of both sides, and the paired ratio the verdict bounds. */
export interface SchedulerRow {
  row: string;
  ours: number;
  raw: number;
  unit: string;
  /** What the raw side is, e.g. `raw dockerode`. */
  rawName: string;
  /** Ratio of the medians, printed for the record. */
  ratio: number;
  /** Median of the per-round ratios: the verdict's value. */
  paired: number;
  op: GoalOp;
  goal: number;
}

/** Prints the ratio of medians, then the verdict line on the paired ratio (bench/verdict-kit.ts). */
export function report(r: SchedulerRow): boolean {
  console.log(`  ${r.row}: ratio of medians ${r.ratio.toFixed(3)}x, median of per-round ratios ${r.paired.toFixed(3)}x (the verdict's value)`);
  return verdict({
    row: r.row,
    gofer: `${r.ours.toFixed(1)} ${r.unit}`,
    baseline: `${r.raw.toFixed(1)} ${r.unit} ${r.rawName}`,
    value: r.paired,
    op: r.op,
    goal: r.goal,
  });
}
