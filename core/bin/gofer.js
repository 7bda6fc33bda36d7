#!/usr/bin/env node
// The `gofer` command. A committed, executable wrapper so that npm links it at install time,
// before the TypeScript build has produced dist/.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps the compiled code of the CLI's modules on disk (in the OS temp dir), so every
// later `gofer` command starts faster; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Node 20 has no
// such cache and starts as before.
module.enableCompileCache?.();

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('gofer: the CLI is not built yet. Run `npm run build` in the Gofer checkout first.\n');
  process.exit(1);
}
await import(main.href);
