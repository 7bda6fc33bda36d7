/**
 * Concurrency groups (the `concurrency` of a pipeline config): the group name of a run is the
 * config's template with the run's variables filled in, resolved once when the run is created
 * and stored with it, so admission after a restart needs neither the variables nor the template.
 */
import { GoferError, type ConcurrencyConfig, type PipelineConfig } from '../api/index.js';

/** A group's settings with the defaults filled in. */
export interface GroupSettings {
  limit: number;
  mode: NonNullable<ConcurrencyConfig['mode']>;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The run's group: undefined when the pipeline has none. A placeholder naming a variable the run
 * was not given is refused (ERR_INVALID_ARGUMENT) rather than filled with "": an empty value would
 * silently put e.g. every `deploy-{{ENVIRONMENT}}` run into one group `deploy-`.
 */
export function resolveGroup(config: PipelineConfig, variables: Record<string, string>): string | undefined {
  const template = config.concurrency?.group;
  if (template === undefined) return undefined;
  return template.replace(PLACEHOLDER, (_all, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      throw new GoferError(
        'ERR_INVALID_ARGUMENT',
        `Pipeline "${config.id}" puts its runs in concurrency group "${template}", which needs the runtime variable ${name}; start the run with it (\`-v ${name}=...\`).`,
        { details: { field: `variables.${name}`, group: template } },
      );
    }
    return value;
  });
}

/** The limit and mode of a config's group (limit 1, mode queue unless said). */
export function groupSettings(config: PipelineConfig): GroupSettings {
  return { limit: config.concurrency?.limit ?? 1, mode: config.concurrency?.mode ?? 'queue' };
}
