/**
 * `$GOFER_OUTPUT` in a container, a file in the container's own file system (no other task can
 * write it), read back from the container's archive once it ended (the engine serves an exited
 * container's files until it is removed). Where, by the user the image runs as:
 * - root (most images): `/gofer-output`, which root may create in any image (even `scratch`,
 *   without a `/tmp`), at no cost to the start;
 * - any other user: `/gofer/output`, in a directory of mode 1777 put into the container between
 *   create and start (`/tmp` is not always writable: the test busybox has it 755). That
 *   `putArchive` costs about 55 ms a start on this Docker 20.10, a quarter of a one-task step,
 *   so only images that need it pay it.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type TarStream from 'tar-stream';
import { engineMessage, isNotFound } from './engine-errors.js';

/** `GOFER_OUTPUT` when the image runs as root. */
export const ROOT_OUTPUT_FILE = '/gofer-output';
/** `GOFER_OUTPUT` when it runs as another user: in the directory {@link outputDirArchive} makes. */
export const USER_OUTPUT_FILE = '/gofer/output';

/** True when an image's `Config.User` is root (unset, `root`, `0`, with or without a group). */
export function runsAsRoot(user: string | undefined): boolean {
  const name = (user ?? '').split(':')[0]!;
  return name === '' || name === 'root' || name === '0';
}

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

let outputDirTar: Promise<Buffer> | undefined;

/**
 * A tar of one entry, the directory `gofer/` with mode 1777, for `putArchive(…, { path: '/' })`.
 * Built once: every start of a non-root image sends the same bytes.
 */
export function outputDirArchive(): Promise<Buffer> {
  outputDirTar ??= new Promise<Buffer>((resolve, reject) => {
    const pack = tarStream().pack();
    const chunks: Buffer[] = [];
    pack.on('data', (chunk: Buffer) => chunks.push(chunk));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    pack.entry({ name: 'gofer/', type: 'directory', mode: 0o1777 });
    pack.finalize();
  });
  return outputDirTar;
}

/**
 * The first `limit` bytes of the container's output file (`path`): no `bytes` when the task
 * wrote none, `notAFile` when it put something else there. Engine failures are thrown as they
 * came (a missing container among them).
 */
export async function readOutputFile(container: Docker.Container, path: string, limit: number): Promise<{ bytes?: Uint8Array; notAFile?: boolean }> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
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
