/** Shared pieces of the Docker scheduler's integration tests: a scheduler, a request, cleanup. */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import type { LogChunk, Scheduler, StartContainerRequest } from '@gofer/core/api';
import { DockerScheduler, type DockerSchedulerSettings } from '../src/index.js';
import { TEST_IMAGE, TEST_LABEL } from '../../../test/helpers/docker.js';
import { tempDir, testContext } from '@gofer/testkit';
import { waitFor } from '../../../test/helpers/wait-for.js';

/** A value unique to this test file, for the `gofer.test` label and container ids. */
export const RUN_TAG = `sched-docker-${randomUUID().slice(0, 8)}`;

/** A Docker scheduler with test defaults (no network). */
export function makeScheduler(settings: Partial<DockerSchedulerSettings> = {}, dataDir = tempDir('gofer-docker')): DockerScheduler {
  return new DockerScheduler(testContext('docker', dataDir), { networkMode: 'none', ...settings });
}

/** A start request for the busybox test image, labelled for cleanup. */
export function request(id: string, command: string[], more: Partial<StartContainerRequest> = {}): StartContainerRequest {
  return {
    id: `${RUN_TAG}_${id}`,
    image: TEST_IMAGE,
    variables: {},
    secrets: {},
    command,
    ...more,
    labels: { [TEST_LABEL]: RUN_TAG, ...more.labels },
  };
}

/** Reads a whole log into one string per stream. */
export async function readLogs(scheduler: Scheduler, schedulerId: string): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  for await (const chunk of await scheduler.getLogs({ schedulerId })) out[chunk.stream] += Buffer.from(chunk.data).toString();
  return out;
}

/** Polls getState until the container is no longer running (deadline: 60 s). */
export async function waitForEnd(scheduler: Scheduler, schedulerId: string): Promise<Awaited<ReturnType<Scheduler['getState']>>> {
  return waitFor(
    `${schedulerId} to end`,
    async () => {
      const state = await scheduler.getState({ schedulerId });
      return state.state !== 'running' && state;
    },
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

/** Removes every container this test file created. */
export async function removeTestContainers(label = RUN_TAG): Promise<void> {
  const docker = new Docker();
  const found = await docker.listContainers({ all: true, filters: { label: [`${TEST_LABEL}=${label}`] } });
  await Promise.all(
    found.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => {}),
    ),
  );
}

export type { LogChunk };
