/** The `"gofer"` manifest in a plugin's package.json: its schema and its validation. */
import { GoferError, problemLines, SUPPORTED_API_VERSIONS, type JsonSchema, type PluginManifest } from '../api/index.js';
import { describeAjvErrors, validatorFor } from '../api/ajv.js';

export const MANIFEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['kind', 'name', 'apiVersion'],
  properties: {
    kind: { enum: ['scheduler', 'extension'] },
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
    apiVersion: { type: 'integer', minimum: 1 },
    entry: { type: 'string', minLength: 1 },
    command: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    settingsSchema: { type: 'object' },
    subscriptionSchema: { type: 'object' },
  },
  oneOf: [{ required: ['entry'] }, { required: ['command'] }],
};

/** Validates an unknown `gofer` value; throws ERR_PLUGIN_MANIFEST_INVALID / ERR_PLUGIN_API_VERSION. */
export function validateManifest(value: unknown, packageName: string): PluginManifest {
  const validate = validatorFor(MANIFEST_SCHEMA);
  if (!validate(value)) {
    const problems = describeAjvErrors(validate.errors, '/gofer').map((p) =>
      p.message.includes('must match exactly one schema in oneOf')
        ? { path: '/gofer', message: 'give exactly one of "entry" (an ES module) or "command" (an executable)' }
        : p,
    );
    throw new GoferError(
      'ERR_PLUGIN_MANIFEST_INVALID',
      `Plugin package "${packageName}" has an invalid "gofer" manifest in its package.json:\n  ${problemLines(problems).join('\n  ')}\nFix: see "Plugins" in the Gofer docs (docs/plugins.md) for the manifest fields.`,
      { details: { packageName, problems } },
    );
  }
  const manifest = value as PluginManifest;
  if (manifest.command && manifest.kind !== 'extension') {
    throw new GoferError('ERR_PLUGIN_MANIFEST_INVALID', `Plugin package "${packageName}": only extensions may name a "command"; schedulers need an "entry".`, {
      details: { packageName },
    });
  }
  checkApiVersion(manifest.apiVersion, packageName);
  return manifest;
}

/** Throws ERR_PLUGIN_API_VERSION unless this core supports `apiVersion`. */
export function checkApiVersion(apiVersion: unknown, packageName: string): void {
  if (typeof apiVersion === 'number' && SUPPORTED_API_VERSIONS.includes(apiVersion)) return;
  throw new GoferError(
    'ERR_PLUGIN_API_VERSION',
    `Plugin package "${packageName}" targets plugin API version ${String(apiVersion)}, but this Gofer core supports ${SUPPORTED_API_VERSIONS.join(', ')}. Fix: install a version of the plugin built for API ${SUPPORTED_API_VERSIONS.at(-1)}, or upgrade Gofer.`,
    { details: { packageName, apiVersion, supported: SUPPORTED_API_VERSIONS } },
  );
}
