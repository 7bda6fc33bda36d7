/**
 * Makes every plugin use the host's own copy of `@gofer/core`.
 *
 * Node resolves a bare import from the importing file's real path. A plugin installed as a
 * symlink (`npm install ../my-plugin`, `npm link`) or found through `pluginDirs` lives outside
 * the host's `node_modules`, so its `import '@gofer/core/api'` finds no core at all, or finds a
 * second copy in the plugin's own folder. A module resolution hook answers those imports from
 * the running core instead: the plugin and the host then share one set of classes, brands and
 * API versions, and no `--install-links` is needed.
 */
import { register } from 'node:module';

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

/** Installs the hook once per process (idempotent). Call before importing a plugin's entry. */
export function shareHostCoreWithPlugins(): void {
  if (registered) return;
  registered = true;
  const coreUrl = new URL('../../package.json', import.meta.url).href;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, import.meta.url, { data: { coreUrl } });
}
