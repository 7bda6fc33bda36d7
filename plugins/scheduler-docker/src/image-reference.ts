/** What Docker needs to know about an image reference: its registry and its tag. */

/** Docker Hub's address as the engine expects it in an auth config. */
const DOCKER_HUB = 'https://index.docker.io/v1/';

/**
 * The registry an image reference points at, as `serveraddress` for the engine's auth config:
 * the first path component when it looks like a host (has `.` or `:`, or is `localhost`),
 * Docker Hub otherwise.
 */
export function registryAddressOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first;
  return DOCKER_HUB;
}
