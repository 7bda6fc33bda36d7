/** How a start waits for the swarm to run the service's task, and how it reads the swarm's refusals. */
import { setTimeout as sleep } from 'node:timers/promises';
import { GoferError } from '@gofer/core/api';
import type { SwarmSettings } from './settings.js';
import { currentTask, hasStarted, isPlaced, type SwarmTask } from './task-state.js';

/** What {@link waitForStart} needs. */
export interface StartWait {
  name: string;
  /** The image as the task gave it (for messages). */
  image: string;
  /** The command runs under the task wrapper (a missing shell gets its own hint). */
  wrapped: boolean;
  settings: Pick<SwarmSettings, 'startTimeoutMs' | 'pollIntervalMs' | 'shell'>;
  tasks(): Promise<SwarmTask[]>;
  /** Removes the service (a task that cannot run leaves nothing behind). */
  remove(): Promise<unknown>;
}

/**
 * Waits until the task runs (or already ended); a task the swarm rejects becomes an error. A
 * task that no node has accepted within `startTimeoutMs` fails (swarm's reason quoted); one
 * that is placed but still preparing then (a long pull) counts as running, as the contract says.
 */
export async function waitForStart(o: StartWait): Promise<void> {
  const { name, image, wrapped, settings } = o;
  const deadline = Date.now() + settings.startTimeoutMs;
  const interval = Math.min(settings.pollIntervalMs, 100);
  let task: SwarmTask | undefined;
  for (;;) {
    task = currentTask(await o.tasks());
    if (hasStarted(task)) break;
    if (Date.now() > deadline) {
      if (isPlaced(task)) return;
      await o.remove();
      throw new GoferError(
        'ERR_SCHEDULER_UNAVAILABLE',
        `No swarm node took service ${name} within ${settings.startTimeoutMs} ms (task state: ${task?.Status?.State ?? 'not created'}: ${task?.Status?.Err ?? task?.Status?.Message ?? 'no message'}). Check the placement constraints and that a node has the resources.`,
        { details: { schedulerId: name } },
      );
    }
    await sleep(interval);
  }
  const state = task?.Status?.State;
  const error = task?.Status?.Err ?? '';
  if (state !== 'rejected' && !(state === 'failed' && error.startsWith('starting container failed'))) return;
  await o.remove();
  if (/no basic auth credentials|unauthorized|authentication required/i.test(error)) {
    throw new GoferError(
      'ERR_REGISTRY_AUTH',
      `The swarm node could not pull image ${image}: ${error}. Give the task's registryAuth (or the "registryCredentials" setting) for its registry.`,
      { details: { image, schedulerId: name } },
    );
  }
  if (/no such image|pull access denied|manifest unknown|not found: manifest/i.test(error)) {
    throw new GoferError(
      'ERR_NO_SUCH_IMAGE',
      `The swarm node could not get image ${image}: ${error}. Every node must be able to pull it from its registry (a node refused for missing credentials says the same: give the task's registryAuth or the "registryCredentials" setting).`,
      {
        details: { image, schedulerId: name },
      },
    );
  }
  const hint =
    wrapped && error.includes(settings.shell)
      ? ` The image has no ${settings.shell}, which Gofer's task wrapper needs (for task outputs, and for secrets as env vars): set "outputs": false and "secretDelivery": "file" (read <ENV>_FILE), or use an image with a POSIX shell.`
      : '';
  throw new GoferError('ERR_INVALID_ARGUMENT', `The swarm could not start the task's container: ${error}.${hint}`, { details: { image, schedulerId: name } });
}
