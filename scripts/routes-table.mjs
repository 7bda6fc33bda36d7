#!/usr/bin/env node
// Regenerates the route table in docs/service.md from the server's route table (the one source).
//   node --conditions=gofer-source --import tsx scripts/routes-table.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const { routeTableRows } = await import('../core/src/server/routes/index.ts');
const rows = routeTableRows();
const table = ['| route | token | what it does |', '|---|---|---|', ...rows].join('\n');
const docUrl = new URL('../docs/service.md', import.meta.url);
const doc = readFileSync(docUrl, 'utf8');
const start = doc.indexOf('<!-- routes:start -->');
const end = doc.indexOf('<!-- routes:end -->');
if (start < 0 || end < start) throw new Error('docs/service.md lacks the <!-- routes:start --> ... <!-- routes:end --> markers around the table');
writeFileSync(docUrl, `${doc.slice(0, start)}<!-- routes:start -->\n${table}\n${doc.slice(end)}`);
console.log(`${rows.length} routes written to docs/service.md`);
