/**
 * Finds plugin candidates, in order: host-provided definitions, packages named in the config,
 * packages in `<root>/node_modules` with a `gofer` manifest, and packages in `pluginDirs`.
 * The same package found twice (by its real path) is kept once, from the earlier source.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GoferError, type GoferConfig, type PluginDefinition, type PluginInfo } from '../api/index.js';

export interface PluginCandidate {
  source: PluginInfo['source'];
  packageName: string;
  packageDir?: string;
  version?: string;
  /** The raw `gofer` value of package.json: unknown until validated. */
  rawManifest?: unknown;
  /** Host-provided plugins come as definitions. */
  definition?: PluginDefinition;
}

export interface Discovery {
  candidates: PluginCandidate[];
  /** Failures of configured packages found during discovery (not installed, unreadable). */
  failures: Array<{ packageName: string; error: GoferError }>;
}

interface PackageJson {
  name?: string;
  version?: string;
  gofer?: unknown;
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/**
 * A scanned package's package.json when it may hold a `gofer` manifest. A scan reads every
 * package in node_modules (hundreds: 517 packages, 790 KB of JSON in this repository): the text
 * of one without the key is not parsed.
 */
function readManifestCandidate(dir: string): PackageJson | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  if (!text.includes('"gofer"')) return undefined;
  try {
    return JSON.parse(text) as PackageJson;
  } catch {
    return undefined;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Looks for `node_modules/<name>` from `root` upwards, as Node's resolution would. */
function findInstalledPackage(root: string, name: string): string | undefined {
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (isDir(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function packageDirsIn(nodeModules: string): string[] {
  let names: string[];
  try {
    names = readdirSync(nodeModules);
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(nodeModules, name);
    if (name.startsWith('@')) {
      for (const sub of safeReaddir(path)) dirs.push(join(path, sub));
    } else {
      dirs.push(path);
    }
  }
  return dirs;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}

function candidateFromDir(dir: string, source: PluginCandidate['source']): PluginCandidate | undefined {
  const pkg = source === 'scan' ? readManifestCandidate(dir) : readPackageJson(dir);
  if (!pkg || pkg.gofer === undefined) return undefined;
  return { source, packageName: pkg.name ?? dir, packageDir: dir, version: pkg.version, rawManifest: pkg.gofer };
}

export function discoverPlugins(config: GoferConfig, hostPlugins: readonly PluginDefinition[]): Discovery {
  const candidates: PluginCandidate[] = [];
  const failures: Discovery['failures'] = [];
  const seen = new Set<string>();
  const add = (c: PluginCandidate | undefined) => {
    if (!c) return;
    if (c.packageDir) {
      const real = realpathSync(c.packageDir);
      if (seen.has(real)) return;
      seen.add(real);
    }
    candidates.push(c);
  };

  for (const definition of hostPlugins) {
    add({ source: 'host', packageName: '(host)', definition });
  }

  for (const name of config.plugins) {
    const dir = findInstalledPackage(config.root, name);
    if (!dir) {
      failures.push({
        packageName: name,
        error: new GoferError(
          'ERR_PLUGIN_NOT_INSTALLED',
          `Plugin package "${name}" is named in the config but is not installed in ${join(config.root, 'node_modules')} or a parent folder's. Fix: npm install ${name} in ${config.root}, or point "root" (GOFER_ROOT) at the folder where it is installed.`,
          { details: { packageName: name, root: config.root } },
        ),
      });
      continue;
    }
    const found = candidateFromDir(dir, 'config');
    if (!found) {
      failures.push({
        packageName: name,
        error: new GoferError(
          'ERR_PLUGIN_MANIFEST_INVALID',
          `Package "${name}" is named as a plugin in the config, but its package.json has no "gofer" manifest. Fix: add one (see docs/plugins.md in the Gofer repository) or remove it from "plugins".`,
          { details: { packageName: name } },
        ),
      });
      continue;
    }
    add(found);
  }

  if (config.discover) {
    for (const dir of packageDirsIn(join(config.root, 'node_modules'))) add(candidateFromDir(dir, 'scan'));
  }

  for (const pluginDir of config.pluginDirs) {
    const self = candidateFromDir(pluginDir, 'dir');
    if (self) {
      add(self);
      continue;
    }
    for (const sub of safeReaddir(pluginDir)) add(candidateFromDir(join(pluginDir, sub), 'dir'));
  }

  return { candidates, failures };
}
