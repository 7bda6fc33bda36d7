/** Deterministic Docker container names from the core's task execution ids. */
import { createHash } from 'node:crypto';

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_LENGTH = 200;

/**
 * `gofer_<id>` when the id is a valid name already; otherwise the invalid characters become
 * `-` and a short hash of the original id keeps two different ids from colliding.
 */
export function containerNameFor(id: string): string {
  const name = `gofer_${id}`;
  if (VALID.test(name) && name.length <= MAX_LENGTH) return name;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const cleaned = name.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, MAX_LENGTH - 11);
  return `${cleaned}-${hash}`;
}
