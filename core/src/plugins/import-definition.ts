/**
 * Loads one candidate's definition: validates its manifest, imports its entry (or wraps its
 * command), and checks the default export's shape. Every failure is a coded error naming the
 * package and the fix.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GoferError, PLUGIN_BRAND, type PluginDefinition, type PluginManifest } from '../api/index.js';
import { createStdioExtensionDefinition } from '../extensions/stdio-definition.js';
import type { PluginCandidate } from './discover.js';
import { checkApiVersion, validateManifest } from './manifest.js';

export interface ImportedPlugin {
  candidate: PluginCandidate;
  manifest?: PluginManifest;
  definition: PluginDefinition;
}

/** Imports and checks one candidate. Throws a GoferError on any failure. */
export async function importDefinition(candidate: PluginCandidate): Promise<ImportedPlugin> {
  if (candidate.definition) {
    checkShape(candidate.definition, candidate.packageName, 'the plugin handed to createGofer');
    return { candidate, definition: candidate.definition };
  }
  const manifest = validateManifest(candidate.rawManifest, candidate.packageName);
  const packageDir = candidate.packageDir!;
  if (manifest.command) {
    const definition = createStdioExtensionDefinition({ manifest: manifest as PluginManifest & { command: string[] }, packageName: candidate.packageName, packageDir });
    return { candidate, manifest, definition };
  }
  const entryPath = resolve(packageDir, manifest.entry!);
  if (!existsSync(entryPath)) {
    throw new GoferError(
      'ERR_PLUGIN_MANIFEST_INVALID',
      `Plugin package "${candidate.packageName}": its entry ${manifest.entry} does not exist (${entryPath}). Fix: build the package (npm run build) or correct "gofer.entry".`,
      { details: { packageName: candidate.packageName, entry: manifest.entry } },
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(entryPath).href)) as { default?: unknown };
  } catch (cause) {
    throw translateImportError(cause, candidate.packageName, entryPath);
  }
  const definition = module.default;
  checkShape(definition, candidate.packageName, `the default export of ${manifest.entry}`);
  if (definition.kind !== manifest.kind || definition.name !== manifest.name) {
    throw new GoferError(
      'ERR_PLUGIN_INVALID_SHAPE',
      `Plugin package "${candidate.packageName}": its manifest says ${manifest.kind} "${manifest.name}" but its entry exports ${definition.kind} "${definition.name}". Fix: make them agree.`,
      { details: { packageName: candidate.packageName } },
    );
  }
  return { candidate, manifest, definition };
}

function translateImportError(cause: unknown, packageName: string, entryPath: string): GoferError {
  const err = cause as NodeJS.ErrnoException;
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(err?.message ?? '')?.[1];
  if ((err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') && missing && !entryPath.endsWith(missing)) {
    const dependency = missing.startsWith('.') || missing.startsWith('/') ? missing : missing.split('/').slice(0, missing.startsWith('@') ? 2 : 1).join('/');
    return new GoferError(
      'ERR_PLUGIN_DEPENDENCY_MISSING',
      `Plugin package "${packageName}" imports "${dependency}", which is not installed. Fix: npm install ${dependency} (or reinstall ${packageName}).`,
      { cause, details: { packageName, dependency } },
    );
  }
  return new GoferError(
    'ERR_PLUGIN_IMPORT_FAILED',
    `Plugin package "${packageName}" threw while its entry was imported: ${err?.message ?? String(cause)}. Fix: run \`node ${entryPath}\` to see the failure, then update or reinstall the plugin.`,
    { cause, details: { packageName } },
  );
}

function checkShape(value: unknown, packageName: string, what: string): asserts value is PluginDefinition {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) {
    problems.push(`it is ${value === null ? 'null' : typeof value}, not an object`);
  } else {
    const v = value as Record<string | symbol, unknown>;
    if (v[PLUGIN_BRAND] !== true) problems.push('it was not made by defineScheduler() or defineExtension()');
    if (v.kind !== 'scheduler' && v.kind !== 'extension') problems.push('"kind" must be "scheduler" or "extension"');
    if (typeof v.name !== 'string' || v.name === '') problems.push('"name" must be a non-empty string');
    if (typeof v.create !== 'function') problems.push('"create" must be a function');
    if (v.settingsSchema !== undefined && (typeof v.settingsSchema !== 'object' || v.settingsSchema === null)) problems.push('"settingsSchema" must be a JSON Schema object');
  }
  if (problems.length > 0) {
    throw new GoferError(
      'ERR_PLUGIN_INVALID_SHAPE',
      `Plugin package "${packageName}": ${what} is not a plugin definition (${problems.join('; ')}). Fix: \`export default defineScheduler({...})\` or \`defineExtension({...})\` from "@gofer/core/api".`,
      { details: { packageName, problems } },
    );
  }
  checkApiVersion((value as PluginDefinition).apiVersion, packageName);
}
