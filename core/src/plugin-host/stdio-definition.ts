/**
 * Turns the manifest of an out-of-process extension (`"command": [...]`) into an extension
 * definition whose instance runs the command and speaks JSON lines over stdin/stdout.
 */
import { PLUGIN_BRAND, type ExtensionContext, type ExtensionDefinition, type PluginManifest } from '../api/index.js';
import { StdioExtension, type StdioExtensionOptions } from './stdio/stdio-extension.js';

/** A validated `command` manifest and where its package lives (the process's working directory). */
export interface StdioExtensionSource {
  manifest: PluginManifest & { command: string[] };
  packageName: string;
  packageDir: string;
}

/**
 * The definition the loader uses for a `command` manifest. `create` starts the process and
 * resolves once it is spawned; a missing executable fails `create` with a clear error.
 */
export function createStdioExtensionDefinition(source: StdioExtensionSource, options: StdioExtensionOptions = {}): ExtensionDefinition {
  const { manifest } = source;
  return Object.freeze({
    kind: 'extension' as const,
    name: manifest.name,
    apiVersion: manifest.apiVersion,
    ...(manifest.settingsSchema ? { settingsSchema: manifest.settingsSchema } : {}),
    ...(manifest.subscriptionSchema ? { subscriptionSchema: manifest.subscriptionSchema } : {}),
    create: async (ctx: ExtensionContext, settings: Record<string, unknown>) => {
      const extension = new StdioExtension(ctx, manifest.command, source.packageDir, settings, options);
      await extension.start();
      return extension;
    },
    [PLUGIN_BRAND]: true as const,
  });
}
