/**
 * Loads one candidate's definition: validates its manifest, imports its entry (or wraps its
 * command), and checks the default export's shape. Every failure is a coded error naming the
 * package and the fix.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  GoferError,
  PLUGIN_BRAND,
  problemLines,
  SUPPORTED_API_VERSIONS,
  type PluginDefinition,
  type PluginManifest,
  type ValidationProblem,
} from '../api/index.js';
import { shareHostCoreWithPlugins } from './host-core-resolution.js';
import { createStdioExtensionDefinition } from './stdio-definition.js';
import type { PluginCandidate } from './discover.js';
import { checkApiVersion, validateManifest } from './manifest.js';

export interface ImportedPlugin {
  candidate: PluginCandidate;
  manifest?: PluginManifest;
  definition: PluginDefinition;
}

/** A plugin the config does not use: known from its manifest alone, its entry never imported. */
export interface ListedPlugin {
  candidate: PluginCandidate;
  manifest: PluginManifest;
  definition?: undefined;
}

/**
 * Checks what package.json alone can tell (the manifest, the API version, that the entry file
 * exists) without importing the entry: importing a plugin runs its module graph (the Docker
 * schedulers load dockerode, about 160 ms and its memory), which a plugin the config does not
 * use must not cost. Throws a GoferError like importDefinition.
 */
export function checkManifestOnly(candidate: PluginCandidate): ListedPlugin {
  const manifest = validateManifest(candidate.rawManifest, candidate.packageName);
  if (manifest.entry) checkEntryExists(candidate, manifest);
  return { candidate, manifest };
}

function checkEntryExists(candidate: PluginCandidate, manifest: PluginManifest): string {
  const entryPath = resolve(candidate.packageDir!, manifest.entry!);
  if (!existsSync(entryPath)) {
    throw new GoferError(
      'ERR_PLUGIN_MANIFEST_INVALID',
      `Plugin package "${candidate.packageName}": its entry ${manifest.entry} does not exist (${entryPath}). Fix: build the package (npm run build) or correct "gofer.entry".`,
      { details: { packageName: candidate.packageName, entry: manifest.entry } },
    );
  }
  return entryPath;
}

/** Imports and checks one candidate. Throws a GoferError on any failure. */
export async function importDefinition(candidate: PluginCandidate): Promise<ImportedPlugin> {
  if (candidate.definition) {
    checkShape(candidate.definition, candidate.packageName, 'the plugin handed to createGofer');
    checkApiVersion(candidate.definition.apiVersion, candidate.packageName);
    return { candidate, definition: candidate.definition };
  }
  const manifest = validateManifest(candidate.rawManifest, candidate.packageName);
  const packageDir = candidate.packageDir!;
  if (manifest.command) {
    const definition = createStdioExtensionDefinition({
      manifest: manifest as PluginManifest & { command: string[] },
      packageName: candidate.packageName,
      packageDir,
    });
    return { candidate, manifest, definition };
  }
  const entryPath = checkEntryExists(candidate, manifest);
  let module: { default?: unknown };
  shareHostCoreWithPlugins(entryPath);
  try {
    module = (await import(pathToFileURL(entryPath).href)) as { default?: unknown };
  } catch (cause) {
    throw translateImportError(cause, candidate.packageName, packageDir, entryPath);
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
  if (definition.apiVersion !== manifest.apiVersion) {
    throw new GoferError(
      'ERR_PLUGIN_API_VERSION',
      `Plugin package "${candidate.packageName}": its package.json says "gofer.apiVersion": ${manifest.apiVersion} but its entry's definition says apiVersion ${String(definition.apiVersion)}. Fix: make them agree: both name the plugin API version the plugin was written against, as a literal (this core supports ${SUPPORTED_API_VERSIONS.join(', ')}).`,
      { details: { packageName: candidate.packageName, manifestApiVersion: manifest.apiVersion, definitionApiVersion: definition.apiVersion } },
    );
  }
  checkApiVersion(definition.apiVersion, candidate.packageName);
  return { candidate, manifest, definition };
}

function translateImportError(cause: unknown, packageName: string, packageDir: string, entryPath: string): GoferError {
  const err = cause as NodeJS.ErrnoException;
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(err?.message ?? '')?.[1];
  if ((err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') && missing && !entryPath.endsWith(missing)) {
    const relative = missing.startsWith('.') || missing.startsWith('/') || missing.startsWith('file:');
    const importer = /imported from (\S+)/.exec(err.message)?.[1];
    const specifier = importer && !relative ? exactImport(importer, missing) : missing;
    const dependency = relative
      ? missing
      : missing
          .split('/')
          .slice(0, missing.startsWith('@') ? 2 : 1)
          .join('/');
    // The plugin's imports resolve from its real folder (a symlinked or pluginDirs plugin is not
    // inside the host's node_modules), so that is where a missing dependency must be installed.
    const realDir = safeRealpath(packageDir);
    const fix = relative
      ? `the plugin's build is incomplete: rebuild or reinstall ${packageName}`
      : `install it where the plugin lives: cd ${realDir} && npm install ${dependency} (or add it to the plugin's "dependencies" and reinstall ${packageName})`;
    return new GoferError(
      'ERR_PLUGIN_DEPENDENCY_MISSING',
      `Plugin package "${packageName}" imports "${specifier}"${importer ? ` (from ${importer})` : ''}, which cannot be found from ${realDir}. Fix: ${fix}.`,
      { cause, details: { packageName, dependency, specifier, packageDir: realDir } },
    );
  }
  return new GoferError(
    'ERR_PLUGIN_IMPORT_FAILED',
    `Plugin package "${packageName}" threw while its entry was imported: ${err?.message ?? String(cause)}. Fix: run \`node ${entryPath}\` to see the failure, then update or reinstall the plugin.`,
    { cause, details: { packageName } },
  );
}

/**
 * Node's error names the package ("@gofer/core") but not the import ("@gofer/core/api"): find the
 * full specifier in the importing file, so the message shows the line the author wrote.
 */
function exactImport(importerUrl: string, packageName: string): string {
  try {
    const source = readFileSync(importerUrl.startsWith('file:') ? fileURLToPath(importerUrl) : importerUrl, 'utf8');
    const escaped = packageName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`['"](${escaped}(?:/[^'"]*)?)['"]`).exec(source)?.[1] ?? packageName;
  } catch {
    return packageName;
  }
}

function safeRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function checkShape(value: unknown, packageName: string, what: string): asserts value is PluginDefinition {
  const problems: ValidationProblem[] = [];
  if (typeof value !== 'object' || value === null) {
    problems.push({ path: '/', message: `it is ${value === null ? 'null' : typeof value}, not an object` });
  } else {
    const v = value as Record<string | symbol, unknown>;
    if (v[PLUGIN_BRAND] !== true) problems.push({ path: '/', message: 'it was not made by defineScheduler() or defineExtension()' });
    if (v.kind !== 'scheduler' && v.kind !== 'extension') problems.push({ path: '/kind', message: 'must be "scheduler" or "extension"' });
    if (typeof v.name !== 'string' || v.name === '') problems.push({ path: '/name', message: 'must be a non-empty string' });
    if (typeof v.create !== 'function') problems.push({ path: '/create', message: 'must be a function' });
    if (v.settingsSchema !== undefined && (typeof v.settingsSchema !== 'object' || v.settingsSchema === null))
      problems.push({ path: '/settingsSchema', message: 'must be a JSON Schema object' });
  }
  if (problems.length > 0) {
    throw new GoferError(
      'ERR_PLUGIN_INVALID_SHAPE',
      `Plugin package "${packageName}": ${what} is not a plugin definition (${problemLines(problems).join('; ')}). Fix: \`export default defineScheduler({...})\` or \`defineExtension({...})\` from "@gofer/core/api".`,
      { details: { packageName, problems } },
    );
  }
}
