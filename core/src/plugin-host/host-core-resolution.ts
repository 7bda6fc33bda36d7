/**
 * Makes every plugin use the host's own copy of `@gofer/core`.
 *
 * Node resolves a bare import from the importing file's real path. A plugin installed as a
 * symlink (`npm install ../my-plugin`, `npm link`) or found through `pluginDirs` lives outside
 * the host's `node_modules`, so its `import '@gofer/core/api'` finds no core at all, or finds a
 * second copy in the plugin's own folder. A module resolution hook answers those imports from
 * the running core instead: the plugin and the host then share one set of classes, brands and
 * API versions, and no `--install-links` is needed.
 *
 * The hook is installed only when a plugin needs it: once registered, every later import of the
 * process goes through Node's loader thread (measured: a core start with the process scheduler
 * spent 1.4 s in createGofer with it, 0.8 s without), and a plugin installed in the host's
 * `node_modules` (or a workspace link into the same tree) already finds the host's core.
 */
import { existsSync, realpathSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The hook runs on Node's loader thread, so it is plain JavaScript registered as a data: URL:
 * the same source works from the built package and from the TypeScript sources under tsx.
 * `coreUrl` is a file inside the host core's package: resolving `@gofer/core/...` from there is
 * a self-reference, answered by the core's own `exports` with the caller's conditions.
 */
const HOOK_SOURCE = `
let coreUrl;
let coreDir;
export async function initialize(data) {
  coreUrl = data.coreUrl;
  coreDir = new URL('.', coreUrl).href;
}
export async function resolve(specifier, context, nextResolve) {
  const isCore = specifier === '@gofer/core' || specifier.startsWith('@gofer/core/');
  if (!isCore || !context.parentURL || context.parentURL.startsWith(coreDir)) return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, parentURL: coreUrl });
}
`;

let registered = false;
const HOST_CORE_PACKAGE_JSON = new URL('../../package.json', import.meta.url);
/** The real path of the running core's package.json, read once (every plugin is checked against it). */
let hostCorePath: string | undefined;

/**
 * Whether a module at `entryPath` importing `@gofer/core` would miss the host's core: Node looks
 * in each `node_modules` from the file's real folder upwards and takes the first
 * `@gofer/core` it finds.
 */
export function resolvesAnotherCore(entryPath: string): boolean {
  hostCorePath ??= realpathSync(fileURLToPath(HOST_CORE_PACKAGE_JSON));
  let dir: string;
  try {
    dir = dirname(realpathSync(entryPath));
  } catch {
    return true;
  }
  for (;;) {
    const candidate = join(dir, 'node_modules', '@gofer', 'core', 'package.json');
    if (existsSync(candidate)) return realpathSync(candidate) !== hostCorePath;
    const parent = dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

/**
 * Installs the hook once per process (idempotent) when the plugin whose entry is `entryPath`
 * would import another core or none. Call before importing a plugin's entry.
 */
export function shareHostCoreWithPlugins(entryPath: string): void {
  if (registered || !resolvesAnotherCore(entryPath)) return;
  registered = true;
  const coreUrl = HOST_CORE_PACKAGE_JSON.href;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, import.meta.url, { data: { coreUrl } });
}
