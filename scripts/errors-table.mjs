#!/usr/bin/env node
// Regenerates README's error-code table from core/src/api/errors.ts (the one registry).
import { readFileSync, writeFileSync } from 'node:fs';

const source = readFileSync(new URL('../core/src/api/errors.ts', import.meta.url), 'utf8');
const block = source.slice(source.indexOf('export const ERROR_CODES'), source.indexOf('} as const;'));
const rows = [...block.matchAll(/^\s+(ERR_[A-Z0-9_]+): (['"])(.*)\2,$/gm)].map((m) => `| \`${m[1]}\` | ${m[3].replace(/\\'/g, "'")} |`);
const table = ['## Error codes', '', 'Every error Gofer raises on purpose carries one of these permanent codes (`err.code`, and', '`error.code` in HTTP responses). The list lives in `core/src/api/errors.ts`.', '', '| code | meaning |', '|---|---|', ...rows].join('\n');

const readmeUrl = new URL('../README.md', import.meta.url);
const readme = readFileSync(readmeUrl, 'utf8');
const start = readme.indexOf('<!-- errors:start -->');
const end = readme.indexOf('<!-- errors:end -->');
const section = `<!-- errors:start -->\n${table}\n<!-- errors:end -->`;
const next = start >= 0 && end > start
  ? readme.slice(0, start) + section + readme.slice(end + '<!-- errors:end -->'.length)
  : readme.replace('<!-- section:errors -->', section);
writeFileSync(readmeUrl, next);
console.log(`${rows.length} error codes written to README.md`);
