/** Validates a plugin's settings and calls its `create` within the plugin time limit. */
import { GoferError, resolvePluginSettings, type PluginDefinition } from '../api/index.js';
import { withDeadline } from '../kernel/deadline.js';

/** Returns the settings with schema defaults applied; throws ERR_PLUGIN_SETTINGS_INVALID. */
export function validateSettings(
  definition: PluginDefinition,
  raw: Record<string, unknown> | undefined,
  packageName: string,
  configKey: string,
  /** Where the config was given (configSourceOf), so the fix names what the user can edit. */
  configSource: string,
): Record<string, unknown> {
  return resolvePluginSettings(definition.settingsSchema, raw, {
    subject: `${definition.kind} "${definition.name}" (package "${packageName}")`,
    configKey,
    fix: `correct ${configKey} in ${configSource}`,
    details: { packageName },
  });
}

/** Calls `create`; ERR_PLUGIN_CREATE_FAILED when it throws, ERR_PLUGIN_CREATE_TIMEOUT when slow. */
export async function createWithTimeout<T>(
  definition: PluginDefinition,
  create: () => T | Promise<T>,
  packageName: string,
  timeoutMs: number,
  onLateInstance: (instance: T) => void,
): Promise<T> {
  let timedOut = false;
  const creating = Promise.resolve().then(create);
  // An instance that arrives after the deadline is handed back so it can be closed.
  creating.then(
    (instance) => timedOut && onLateInstance(instance),
    () => undefined,
  );
  try {
    return await withDeadline(creating, timeoutMs, () => {
      timedOut = true;
      return new GoferError(
        'ERR_PLUGIN_CREATE_TIMEOUT',
        `${definition.kind} "${definition.name}" (package "${packageName}") did not finish create() within ${timeoutMs} ms. Fix: check what it waits for (an engine, a port), or raise "pluginTimeoutMs".`,
        { details: { packageName, timeoutMs } },
      );
    });
  } catch (cause) {
    if (cause instanceof GoferError && cause.code === 'ERR_PLUGIN_CREATE_TIMEOUT') throw cause;
    throw new GoferError(
      'ERR_PLUGIN_CREATE_FAILED',
      `${definition.kind} "${definition.name}" (package "${packageName}") failed in create(): ${(cause as Error)?.message ?? String(cause)}`,
      { cause, details: { packageName } },
    );
  }
}
