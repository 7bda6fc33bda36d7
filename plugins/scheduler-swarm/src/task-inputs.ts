/**
 * What a service needs resolved before it is created, asked of the manager: the image pinned to
 * its registry digest, the Docker secrets' ids, and (for the secret wrapper) the image's own
 * entrypoint and command.
 */
import type Docker from 'dockerode';
import { GoferError, type StartContainerRequest } from '@gofer/core/api';
import { hasDigest, isTransportError, pinDigest, pullImage, type RegistryAuthConfig } from '@gofer/docker-common';
import { imageError, isNotFound } from './swarm-errors.js';

/**
 * Asks the registry (through the manager, with the task's credentials) for the image's digest
 * and pins it, as `docker service create` does: every node then runs the same image, and a
 * missing image or refused credentials fail here, clearly, instead of as a task the nodes reject.
 */
export async function pinImage(docker: Docker, image: string, auth: RegistryAuthConfig | undefined): Promise<string> {
  if (hasDigest(image)) return image;
  try {
    const info = await docker.getImage(image).distribution(auth ? { authconfig: auth } : {});
    return pinDigest(image, info.Descriptor.digest);
  } catch (err) {
    if (isTransportError(err)) throw err;
    throw imageError(image, err);
  }
}

/** Looks up Docker secrets by name; a missing one is ERR_NOT_FOUND with the command to create it. */
export async function lookupSecrets(docker: Docker, secrets: Record<string, string>): Promise<Array<{ id: string; name: string }>> {
  const names = [...new Set(Object.values(secrets))];
  if (names.length === 0) return [];
  const found = await docker.listSecrets({ filters: { name: names } });
  return names.map((name) => {
    const secret = found.find((s) => s.Spec?.Name === name);
    if (!secret) {
      throw new GoferError(
        'ERR_NOT_FOUND',
        `The swarm has no Docker secret named "${name}". Create it on a manager: \`printf %s VALUE | docker secret create ${name} -\`.`,
        { details: { secret: name } },
      );
    }
    return { id: secret.ID, name };
  });
}

/**
 * The full argument vector the container would run without the secret wrapper. With an
 * explicit entrypoint that is known; otherwise the image's entrypoint and command are read from
 * the image on the manager (pulled there first when missing).
 */
export async function taskArgv(docker: Docker, req: StartContainerRequest, auth: RegistryAuthConfig | undefined): Promise<string[]> {
  let argv: string[];
  if (req.entrypoint) {
    argv = [...req.entrypoint, ...(req.command ?? [])];
  } else {
    const config = await imageConfig(docker, req.image, auth);
    const imageEntrypoint = typeof config.Entrypoint === 'string' ? [config.Entrypoint] : (config.Entrypoint ?? []);
    argv = [...imageEntrypoint, ...(req.command ?? config.Cmd ?? [])];
  }
  if (argv.length === 0) {
    throw new GoferError('ERR_INVALID_ARGUMENT', `Image ${req.image} has no entrypoint or command and the task gives none: set the task's command.`, {
      details: { image: req.image },
    });
  }
  return argv;
}

async function imageConfig(
  docker: Docker,
  image: string,
  auth: RegistryAuthConfig | undefined,
): Promise<{ Entrypoint?: string | string[] | null; Cmd?: string[] | null }> {
  try {
    return (await docker.getImage(image).inspect()).Config;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await pullImage(docker, image, auth);
  } catch (err) {
    if (isTransportError(err)) throw err;
    throw imageError(image, err);
  }
  return (await docker.getImage(image).inspect()).Config;
}
