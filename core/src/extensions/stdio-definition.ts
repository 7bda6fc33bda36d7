/**
 * Turns the manifest of an out-of-process extension (`"command": [...]`) into an extension
 * definition whose instance runs the command and speaks JSON lines over stdin/stdout.
 */
import { GoferError, type ExtensionDefinition, type PluginManifest } from '../api/index.js';

export interface StdioExtensionSource {
  manifest: PluginManifest & { command: string[] };
  packageName: string;
  packageDir: string;
}

export function createStdioExtensionDefinition(source: StdioExtensionSource): ExtensionDefinition {
  throw new GoferError('ERR_PLUGIN_INVALID_SHAPE', `Out-of-process extensions are not supported yet (package ${source.packageName}).`);
}
