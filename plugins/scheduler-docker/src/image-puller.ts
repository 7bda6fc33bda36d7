/** Makes sure a task's image is present: pulls it when missing (or always), with registry auth. */
import type Docker from 'dockerode';
import { GoferError } from '@gofer/core/api';
import { pullImage, registryAuthFor } from '@gofer/docker-common';
import { isNotFound, translateEngineError, type ErrorContext } from './engine-errors.js';
import type { PullPolicy } from './settings.js';

/** What to pull and how. */
export interface EnsureImageRequest {
  image: string;
  policy: PullPolicy;
  registryAuth?: { user: string; pass: string };
}

/** Resolves once the image is local; fails with ERR_NO_SUCH_IMAGE or ERR_REGISTRY_AUTH. */
export async function ensureImage(docker: Docker, req: EnsureImageRequest, engine: string): Promise<void> {
  const ctx: ErrorContext = { engine, image: req.image };
  if (req.policy !== 'always') {
    const present = await imageIsLocal(docker, req.image, ctx);
    if (present) return;
    if (req.policy === 'never') {
      throw new GoferError(
        'ERR_NO_SUCH_IMAGE',
        `Image ${req.image} is not present locally and the pull policy is "never". Pull it first or change the docker scheduler's "pullPolicy".`,
        { details: { image: req.image } },
      );
    }
  }
  try {
    await pullImage(docker, req.image, req.registryAuth ? registryAuthFor(req.image, req.registryAuth) : undefined);
  } catch (err) {
    throw translateEngineError(err, ctx, `pull image ${req.image}`);
  }
}

async function imageIsLocal(docker: Docker, image: string, ctx: ErrorContext): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw translateEngineError(err, { engine: ctx.engine }, `inspect image ${image}`);
  }
}
