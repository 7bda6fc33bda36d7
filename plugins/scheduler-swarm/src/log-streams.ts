/** The raw log streams the scheduler reads: a task container's or a service's, from the beginning. */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { isNotFound } from '@gofer/docker-common';

/**
 * A multiplexed log stream from the beginning, as a stream also when not following (dockerode's
 * own calls buffer a finished log whole). `containers` reads one task container.
 */
export function openLogs(docker: Docker, kind: 'services' | 'containers', id: string, follow: boolean): Promise<Readable> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/${kind}/${id}/logs?`,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: `no such ${kind === 'services' ? 'service' : 'container'}`, 500: 'server error', 503: 'node is not part of a swarm' },
        options: { follow, stdout: true, stderr: true },
      },
      (err: unknown, stream: unknown) => {
        // A service (or container) removed meanwhile has no more output: an empty read.
        if (err && !follow && kind === 'services' && isNotFound(err)) resolve(Readable.from([]));
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- dockerode's callback error, passed on as it is
        else if (err) reject(err);
        else resolve(stream as Readable);
      },
    );
  });
}

/** Re-throws an iterable's failures translated. */
export async function* translated<T>(source: AsyncIterable<T>, translate: (err: unknown) => Error): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw translate(err);
  }
}
