/**
 * `$GOFER_OUTPUT` in a container: `/tmp/gofer-output`, in the container's own file system (no
 * other task can write it), read back from the container's archive once it ended (the engine
 * serves an exited container's files until it is removed). `/tmp` (mode 1777 in every common
 * base image) lets any user the image runs as create it, at no cost to the start: putting a
 * directory of Gofer's own into each container first cost one engine call of about 55 ms a
 * start, a quarter of the whole step, for the few images without a `/tmp` (`scratch`: add one).
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type TarStream from 'tar-stream';
import { engineMessage, isNotFound } from './engine-errors.js';

/** The value of `GOFER_OUTPUT` in every container. */
export const OUTPUT_FILE = '/tmp/gofer-output';

const require = createRequire(import.meta.url);
let tar: typeof TarStream | undefined;

/** tar-stream, loaded on the first use: the plugin host imports every installed plugin, most never start a container. */
function tarStream(): typeof TarStream {
  return (tar ??= require('tar-stream') as typeof TarStream);
}

/**
 * The engine's words for a 404 about the container itself (Docker; Podman), as opposed to a path
 * missing in it: any other 404 of the archive read is a task that wrote no outputs.
 */
const NO_SUCH_CONTAINER = /no such container: |no container with name or id/i;

/**
 * The first `limit` bytes of the container's {@link OUTPUT_FILE}: no `bytes` when the task wrote
 * none, `notAFile` when it put something else there. Engine failures are thrown as they came
 * (a missing container among them).
 */
export async function readOutputFile(container: Docker.Container, limit: number): Promise<{ bytes?: Uint8Array; notAFile?: boolean }> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: OUTPUT_FILE });
  } catch (err) {
    if (isNotFound(err) && !NO_SUCH_CONTAINER.test(engineMessage(err))) return {};
    throw err;
  }
  return readFirstFile(archive, limit);
}

/**
 * The first `limit` bytes of the tar's first entry when it is a regular file; `notAFile` when the
 * task put something else there (a directory, a symlink, a FIFO), nothing for an empty archive.
 * Stops reading (and closes the engine's stream) once `limit` bytes arrived.
 */
function readFirstFile(archive: NodeJS.ReadableStream, limit: number): Promise<{ bytes?: Uint8Array; notAFile?: boolean }> {
  return new Promise((resolve, reject) => {
    const extract = tarStream().extract();
    let settled = false;
    const settle = (result: { bytes?: Uint8Array; notAFile?: boolean }, err?: Error) => {
      if (settled) return;
      settled = true;
      archive.unpipe(extract);
      (archive as Readable).destroy();
      extract.destroy();
      if (err === undefined) resolve(result);
      else reject(err);
    };
    extract.on('entry', (header, stream) => {
      if (header.type !== 'file') return settle({ notAFile: true });
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        const room = limit - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(room, chunk.length);
        if (size >= limit) settle({ bytes: Buffer.concat(chunks) });
      });
      stream.on('end', () => settle({ bytes: Buffer.concat(chunks) }));
    });
    extract.on('finish', () => settle({}));
    extract.on('error', (err: Error) => settle({}, err));
    archive.on('error', (err: Error) => settle({}, err));
    archive.pipe(extract);
  });
}
