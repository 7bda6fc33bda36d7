/** The local-process scheduler's settings: JSON Schema (validated by the core) and type. */
import { SECRET_SOURCE_SCHEMA, type JsonSchema, type SecretSourceSettings } from '@gofer/core/api';

export type { SecretSourceSettings };

/** Settings of the `process` scheduler plugin, after defaults. */
export interface ProcessSchedulerSettings {
  /** Working directory of task processes. Default: the working directory of the Gofer process. */
  cwd?: string;
  /** Used when a stop request carries no usable timeout. */
  stopTimeoutMs: number;
  secrets?: SecretSourceSettings;
}

/** The defaults applied when a key is absent. */
export const DEFAULT_SETTINGS = Object.freeze({ stopTimeoutMs: 10_000 } satisfies Partial<ProcessSchedulerSettings>);

/** JSON Schema of {@link ProcessSchedulerSettings}. */
export const settingsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cwd: { type: 'string', minLength: 1, description: 'Working directory of task processes.' },
    stopTimeoutMs: { type: 'integer', minimum: 0, default: DEFAULT_SETTINGS.stopTimeoutMs },
    secrets: SECRET_SOURCE_SCHEMA,
  },
};

/** Fills absent keys with {@link DEFAULT_SETTINGS}. */
export function withDefaults(settings: Partial<ProcessSchedulerSettings> = {}): ProcessSchedulerSettings {
  return { ...DEFAULT_SETTINGS, ...settings };
}
