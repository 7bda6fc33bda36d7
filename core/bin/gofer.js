#!/usr/bin/env node
// The `gofer` command. A committed, executable wrapper so that npm links it at install time,
// before the TypeScript build has produced dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('gofer: the CLI is not built yet. Run `npm run build` in the Gofer checkout first.\n');
  process.exit(1);
}
await import(main.href);
