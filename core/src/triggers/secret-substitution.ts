/**
 * Resolves `global_secret{{KEY}}` and `pipeline_secret{{KEY}}` in subscription settings, the
 * same syntax task variables use. The stored settings keep the references; the extension
 * receives the values (resolved again at each subscribe, so a rotated secret is picked up).
 */
import { GoferError } from '../api/index.js';
import type { SecretStore } from '../stores/secret-store.js';

const SECRET_REFERENCE = /(pipeline_secret|global_secret)\{\{([A-Za-z0-9_.-]+)\}\}/g;

/** True when any value refers to a secret. */
export function refersToSecrets(settings: Record<string, string>): boolean {
  return Object.values(settings).some((v) => new RegExp(SECRET_REFERENCE.source).test(v));
}

/** Settings with secret references replaced; ERR_NOT_FOUND names the setting and the key. */
export function substituteSecrets(settings: Record<string, string>, pipelineId: string, secrets: SecretStore): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    out[name] = value.replace(SECRET_REFERENCE, (_m, kind: string, key: string) => {
      const found = secrets.get(kind === 'pipeline_secret' ? pipelineId : undefined, key);
      if (found === undefined) {
        throw new GoferError(
          'ERR_NOT_FOUND',
          `Subscription setting "${name}" refers to ${kind}{{${key}}}, which does not exist. Fix: store it with \`gofer secret put${kind === 'pipeline_secret' ? ` --pipeline ${pipelineId}` : ''} ${key}\`.`,
          { details: { setting: name, kind, key } },
        );
      }
      return found;
    });
  }
  return out;
}
