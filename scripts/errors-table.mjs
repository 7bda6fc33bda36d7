#!/usr/bin/env node
// Regenerates the error-code table in docs/error-codes.md from core/src/api/errors.ts (the one registry).
import { readFileSync, writeFileSync } from 'node:fs';

const source = readFileSync(new URL('../core/src/api/errors.ts', import.meta.url), 'utf8');
const block = source.slice(source.indexOf('export const ERROR_CODES'), source.indexOf('} as const;'));
const rows = [...block.matchAll(/^\s+(ERR_[A-Z0-9_]+): (['"])(.*)\2,$/gm)].map((m) => `| \`${m[1]}\` | ${m[3].replace(/\\'/g, "'")} |`);
// The whole page is generated: docs/error-codes.md is this table and nothing else.
const page = [
  '# Error codes',
  '',
  'Every error Gofer raises on purpose carries one of these permanent codes (`err.code`, and',
  '`error.code` in HTTP responses). The list lives in `core/src/api/errors.ts`; this page is',
  'generated from it by `node scripts/errors-table.mjs`.',
  '',
  '| code | meaning |',
  '|---|---|',
  ...rows,
  '',
].join('\n');

writeFileSync(new URL('../docs/error-codes.md', import.meta.url), page);
console.log(`${rows.length} error codes written to docs/error-codes.md`);
