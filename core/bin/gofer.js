#!/usr/bin/env node
// The `gofer` command. A committed, executable wrapper so that npm links it at install time,
// before the TypeScript build has produced dist/.
import { existsSync, statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps the compiled code of the CLI's modules on disk (in the OS temp dir), so every
// later `gofer` command starts faster; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 20 has no
// such cache and starts as before.
module.enableCompileCache?.();

const dist = new URL('../dist/', import.meta.url);
const main = new URL('cli/main.js', dist);
if (!existsSync(main)) {
  process.stderr.write('gofer: the CLI is not built yet. Run `npm run build` in the Gofer checkout first.\n');
  process.exit(1);
}
await import(bundleIfCurrent() ?? main.href);

/**
 * The bundle of dist/ (core/scripts/bundle.mjs: a few files instead of some 200, 80 to 100 ms less
 * start-up), unless a `tsc -b` has rebuilt dist/ since it was made: in a checkout the bundle
 * would then run stale code, so dist/ runs as tsc left it. A published package has no build info.
 */
function bundleIfCurrent() {
  const bundle = new URL('bundle/main.js', dist);
  const mtime = (url) => {
    try {
      return statSync(url).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const bundled = mtime(bundle);
  if (bundled === undefined) return undefined;
  const built = mtime(new URL('.tsbuildinfo', dist));
  return built === undefined || bundled >= built ? bundle.href : undefined;
}
