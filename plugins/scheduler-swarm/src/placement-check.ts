/**
 * Which placement constraints a given node fails, read the way swarm reads them, for the keys
 * whose values the node's inspect shows (`node.id`, `node.hostname`, `node.role`,
 * `node.labels.*`, `engine.labels.*`). Lets a task pinned to its workspace's node fail at once,
 * naming the conflict, instead of waiting out the start timeout with "no suitable node".
 */
import type { NodeView } from './swarm-nodes.js';

const CONSTRAINT = /^\s*([\w.-]+)\s*(==|!=)\s*(.*?)\s*$/;

/** The node's value for a constraint key; `null` when the key is one this check does not read. */
function valueOf(node: NodeView, key: string): string | undefined | null {
  const lower = key.toLowerCase();
  if (lower === 'node.id') return node.id;
  if (lower === 'node.hostname') return node.hostname;
  if (lower === 'node.role') return node.role;
  if (lower.startsWith('node.labels.')) return node.labels?.[key.slice('node.labels.'.length)];
  if (lower.startsWith('engine.labels.')) return node.engineLabels?.[key.slice('engine.labels.'.length)];
  return null;
}

/**
 * The constraints `node` does not satisfy (swarm compares case-insensitively; a missing label
 * fails `==` and satisfies `!=`). One it cannot read (another key, a malformed one) is left to
 * the swarm.
 */
export function unmetConstraints(node: NodeView, constraints: readonly string[]): string[] {
  return constraints.filter((c) => {
    const m = CONSTRAINT.exec(c);
    if (!m) return false;
    const [, key, op, expected] = m as unknown as [string, string, string, string];
    const actual = valueOf(node, key);
    if (actual === null) return false;
    const equal = actual !== undefined && actual.toLowerCase() === expected.toLowerCase();
    return op === '==' ? !equal : equal;
  });
}
