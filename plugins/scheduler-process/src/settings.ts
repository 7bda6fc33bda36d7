/** The local-process scheduler's settings: a TypeBox schema (validated by the core) and the type derived from it. */
import { SECRET_SOURCE_SCHEMA, Type, type SecretSourceSettings, type Static } from '@gofer/core/api';

export type { SecretSourceSettings };

/** The defaults applied when a key is absent. */
export const DEFAULT_SETTINGS = Object.freeze({ stopTimeoutMs: 10_000 } as const);

/** Schema of the settings (`schedulers.process` in gofer.config.json). */
export const settingsSchema = Type.Object(
  {
    /** Working directory of task processes. Default: the working directory of the Gofer process. */
    cwd: Type.Optional(Type.String({ minLength: 1, description: 'Working directory of task processes.' })),
    /** Used when a stop request carries no usable timeout. */
    stopTimeoutMs: Type.Integer({ minimum: 0, default: DEFAULT_SETTINGS.stopTimeoutMs }),
    secrets: Type.Optional(SECRET_SOURCE_SCHEMA),
  },
  { additionalProperties: false },
);

/** Settings of the `process` scheduler plugin, after defaults: derived from {@link settingsSchema}. */
export type ProcessSchedulerSettings = Static<typeof settingsSchema>;

/** Fills absent keys with {@link DEFAULT_SETTINGS}. */
export function withDefaults(settings: Partial<ProcessSchedulerSettings> = {}): ProcessSchedulerSettings {
  return { ...DEFAULT_SETTINGS, ...settings };
}
