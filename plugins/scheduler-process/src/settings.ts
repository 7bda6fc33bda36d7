/** The local-process scheduler's settings: JSON Schema (validated by the core) and type. */
import type { JsonSchema } from '@gofer/core/api';

/** Where task secrets (`ENV -> location`) are read from; the same format as the docker scheduler. */
export type SecretSourceSettings = { dir: string } | { envFile: string };

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
    secrets: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['dir'], properties: { dir: { type: 'string', minLength: 1 } } },
        { type: 'object', additionalProperties: false, required: ['envFile'], properties: { envFile: { type: 'string', minLength: 1 } } },
      ],
    },
  },
};

/** Fills absent keys with {@link DEFAULT_SETTINGS}. */
export function withDefaults(settings: Partial<ProcessSchedulerSettings> = {}): ProcessSchedulerSettings {
  return { ...DEFAULT_SETTINGS, ...settings };
}
