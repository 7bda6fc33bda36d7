/** Registry credentials in the engine's `X-Registry-Auth` form, and image pulls that use them. */
import type Docker from 'dockerode';
import { registryAuthAddress } from './image-reference.js';

/** Credentials as the engine takes them (`authconfig` of a pull, the auth of a service create). */
export interface RegistryAuthConfig {
  username: string;
  password: string;
  serveraddress: string;
}

/** A task's `registryAuth` (`{ user, pass }`) for the registry its image is on. */
export function registryAuthFor(image: string, auth: { user: string; pass: string }): RegistryAuthConfig {
  return { username: auth.user, password: auth.pass, serveraddress: registryAuthAddress(image) };
}

/**
 * Pulls an image and resolves once the engine has it. The engine reports failures that happen
 * after the response started (a refused layer, a missing manifest) as `{ error }` lines in the
 * progress stream: those reject too, with the engine's message. Failures are the engine's own,
 * untranslated: the caller knows what the pull was for.
 */
export async function pullImage(docker: Docker, image: string, auth: RegistryAuthConfig | undefined): Promise<void> {
  const stream = await docker.pull(image, auth ? { authconfig: auth } : {});
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
      (event: { error?: string; errorDetail?: { message?: string } }) => {
        if (event.error) failure ??= event.errorDetail?.message ?? event.error;
      },
    );
  });
}
