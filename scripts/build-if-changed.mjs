#!/usr/bin/env node
// Runs a build command only when its inputs changed since its last successful run, the way
// `tsc -b` skips a project whose sources did not change. The Vite builds of the UI take most of a
// no-op `npm run build` (which `npm run lint` and `npm test` each start), so without this every
// lint or test run rebuilt the UI from identical sources.
//   node build-if-changed.mjs <name> <output folder> <input>... -- <command> [args...]
// Inputs are files or folders (hashed recursively by path and content; node_modules skipped),
// relative to the working directory. After the command succeeds the inputs' hash is kept in
// node_modules/.cache/build-if-changed/ (not in the output, which is published); a missing output
// folder rebuilds. GOFER_FORCE_BUILD=1 always runs the command.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const split = args.indexOf('--');
if (split < 2 || split === args.length - 1) {
  console.error('usage: build-if-changed.mjs <name> <output folder> <input>... -- <command> [args...]');
  process.exit(2);
}
const [name, output, ...inputs] = args.slice(0, split);
const stampDir = join('node_modules', '.cache', 'build-if-changed');
const stampFile = join(stampDir, `${name.replace(/[^\w.-]+/g, '_')}.sha256`);
const [command, ...commandArgs] = args.slice(split + 1);

function hashInto(hash, path) {
  if (!existsSync(path)) {
    hash.update(`missing ${path}\0`);
    return;
  }
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) if (entry !== 'node_modules') hashInto(hash, join(path, entry));
    return;
  }
  hash.update(`file ${path}\0`);
  hash.update(readFileSync(path));
}

const hash = createHash('sha256');
hash.update(`${command} ${commandArgs.join(' ')}\0`);
for (const input of inputs) hashInto(hash, input);
const digest = hash.digest('hex');

if (process.env.GOFER_FORCE_BUILD !== '1' && existsSync(output) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest) {
  console.error(`${name}: up to date (its inputs did not change since its last build)`);
  process.exit(0);
}
const result = spawnSync(command, commandArgs, { stdio: 'inherit', shell: process.platform === 'win32' });
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync(stampDir, { recursive: true });
writeFileSync(stampFile, `${digest}\n`);
