/**
 * Plugin settings, validated the way the core validates them before `create`: every problem at
 * once, each named by its JSON path, with the schema's defaults filled in. The core calls this
 * for every plugin; a plugin may call it too when it is used without the core (tests, a host
 * constructing its scheduler class directly), so both follow the same rules.
 */
import { describeAjvErrors, validatorFor } from './ajv.js';
import { GoferError, problemLines } from './errors.js';
import type { SettingsSchema } from './plugin.js';

/** TypeBox, for settings schemas whose TypeScript type is inferred (`Static<typeof schema>`). */
export { Type, type Static, type TSchema } from 'typebox';

export interface SettingsContext {
  /** What the settings belong to, for the message: `scheduler "docker" (package "...")`. */
  subject: string;
  /** The JSON path the problems are reported under, e.g. `/schedulers/docker`. */
  configKey: string;
  /** How to fix it; default: correct `configKey` in gofer.config.json. */
  fix?: string;
  /** Extra facts for the error's details. */
  details?: Record<string, unknown>;
}

/**
 * Returns a copy of `input` with the schema's defaults applied (the input is not changed).
 * Throws ERR_PLUGIN_SETTINGS_INVALID listing every problem. Without a schema, any object passes.
 */
export function resolvePluginSettings<T = Record<string, unknown>>(schema: SettingsSchema | undefined, input: unknown, context: SettingsContext): T {
  const settings: unknown = structuredClone(input ?? {});
  if (!schema) return settings as T;
  const validate = validatorFor(schema);
  if (!validate(settings)) {
    const problems = describeAjvErrors(validate.errors, context.configKey);
    throw new GoferError(
      'ERR_PLUGIN_SETTINGS_INVALID',
      `Settings for ${context.subject} are invalid:\n  ${problemLines(problems).join('\n  ')}\nFix: ${context.fix ?? `correct ${context.configKey} in gofer.config.json`}.`,
      { details: { ...context.details, problems } },
    );
  }
  return settings as T;
}
