/** Image references as swarm needs them: the registry host for credentials, and digest pinning. */

/** True when the reference already names a digest (`repo@sha256:...`). */
export function hasDigest(ref: string): boolean {
  return /@[a-z0-9]+:[a-f0-9]{32,}$/i.test(ref);
}

/**
 * The registry host of a reference, as Docker decides it: the first path component when it
 * looks like a host (has a `.` or `:`, or is `localhost`), otherwise Docker Hub.
 */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** `repo:tag` + digest -> `repo:tag@sha256:...`, the form `docker service create` pins. */
export function pinDigest(ref: string, digest: string): string {
  return `${ref}@${digest}`;
}
