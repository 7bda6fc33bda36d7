/**
 * Where substitutions come from: `pipeline_secret{{KEY}}` and `global_secret{{KEY}}` from the
 * secret store, `pipeline_object{{KEY}}` and `run_object{{KEY}}` from the object store, read
 * just before a task starts (variables.ts does the replacing and the masking).
 */
import type { ObjectStore } from '../objects/object-store.js';
import type { SecretStore } from '../stores/secret-store.js';
import type { SubstitutionLookup } from './variables.js';

/** The lookup for one run's tasks. */
export function storeLookup(secrets: SecretStore, objects: ObjectStore, pipelineId: string, runId: number): SubstitutionLookup {
  return (kind, key) => {
    switch (kind) {
      case 'pipeline_secret':
        return secrets.get(pipelineId, key);
      case 'global_secret':
        return secrets.get(undefined, key);
      case 'pipeline_object':
        return objects.read(pipelineId, undefined, key)?.toString('utf8');
      case 'run_object':
        return objects.read(pipelineId, runId, key)?.toString('utf8');
    }
  };
}
