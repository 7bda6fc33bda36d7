/**
 * `$GOFER_OUTPUT` in a container: `/gofer/output`. The directory `/gofer` (mode 1777: any user the
 * image runs as may create the file, and only in this container's own file system) is put into
 * each container before it starts, so it exists in any image, even one without `/tmp`; the file is
 * read back from the container's archive once it ended (the engine serves an exited container's
 * files until it is removed).
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type TarStream from 'tar-stream';
import { engineMessage, isNotFound } from './engine-errors.js';

/** The value of `GOFER_OUTPUT` in every container. */
export const OUTPUT_FILE = '/gofer/output';

const require = createRequire(import.meta.url);
let tar: typeof TarStream | undefined;

/** tar-stream, loaded on the first use: the plugin host imports every installed plugin, most never start a container. */
function tarStream(): typeof TarStream {
  return (tar ??= require('tar-stream') as typeof TarStream);
}

let outputDirTar: Promise<Buffer> | undefined;

/**
 * A tar of one entry, the directory `gofer/` with mode 1777, for `putArchive(…, { path: '/' })`.
 * Built once: every start sends the same bytes in its one extra engine call.
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
