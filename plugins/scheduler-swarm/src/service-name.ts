/** Deterministic swarm service names from Gofer's task execution ids. */
import { createHash } from 'node:crypto';

/** Swarmkit's rule for service names: DNS-label-like, at most 63 characters. */
const VALID_NAME = /^[a-zA-Z0-9](?:[-_]*[a-zA-Z0-9]+)*$/;
const MAX_LENGTH = 63;

/**
 * The service name for a task execution id: `<prefix><id>` when that is a valid service name,
 * otherwise a cleaned, shortened form with a hash of the id, so that different ids never share
 * a name and a retry of the same id always finds the earlier service.
 */
export function serviceNameFor(id: string, prefix: string): string {
  const plain = `${prefix}${id}`;
  if (plain.length <= MAX_LENGTH && VALID_NAME.test(plain)) return plain;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const slug = `${prefix}${id}`.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${slug.slice(0, MAX_LENGTH - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}
