/** Image references as the engine reads them: the registry they point at, and digest pinning. */

/** Docker Hub's host name, as Docker names it. */
export const DOCKER_HUB_HOST = 'docker.io';

/** Docker Hub's address as the engine expects it in an auth config's `serveraddress`. */
const DOCKER_HUB_AUTH_ADDRESS = 'https://index.docker.io/v1/';

/**
 * The registry host of a reference, as Docker decides it: the first path component when it
 * looks like a host (has a `.` or `:`, or is `localhost`), otherwise Docker Hub (`docker.io`).
 */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return DOCKER_HUB_HOST;
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : DOCKER_HUB_HOST;
}

/** The registry of a reference as an auth config's `serveraddress` (Docker Hub by its index URL). */
export function registryAuthAddress(ref: string): string {
  const host = registryHost(ref);
  return host === DOCKER_HUB_HOST ? DOCKER_HUB_AUTH_ADDRESS : host;
}

/** True when the reference already names a digest (`repo@sha256:...`). */
export function hasDigest(ref: string): boolean {
  return /@[a-z0-9]+:[a-f0-9]{32,}$/i.test(ref);
}

/** `repo:tag` + digest -> `repo:tag@sha256:...`, the form `docker service create` pins. */
export function pinDigest(ref: string, digest: string): string {
  return `${ref}@${digest}`;
}
