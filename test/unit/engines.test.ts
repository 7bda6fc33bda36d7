/**
 * One supported Node.js range, declared in every package.json of the repository and stated in
 * docs/operations.md, and the Node running the tests is inside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../integration/service-harness.js';

function packageFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) packageFiles(path, out);
    else if (entry.name === 'package.json') out.push(path);
  }
  return out;
}

/** True when `version` (x.y.z) satisfies a range of `^a.b.c` and `>=a.b.c` alternatives. */
function satisfies(version: string, range: string): boolean {
  const parse = (v: string) => v.split('.').map(Number) as [number, number, number];
  const cmp = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const v = parse(version);
  return range.split('||').some((alt) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(alt);
    if (!m) throw new Error(`unexpected range part "${alt}"`);
    const min = parse(m[2]!);
    return cmp(v, min) >= 0 && (m[1] === '>=' || v[0] === min[0]);
  });
}

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const range = root.engines.node;

test('every package.json declares the same engines.node range', () => {
  const files = packageFiles(ROOT);
  assert.ok(files.length > 10, 'found the packages');
  const wrong = files
    .map((f) => ({ file: relative(ROOT, f), node: (JSON.parse(readFileSync(f, 'utf8')) as { engines?: { node?: string } }).engines?.node }))
    .filter((p) => p.node !== range);
  assert.equal(wrong, [], `every package says "${range}"`);
});

test('docs/operations.md states the range; the running Node and the versions CI uses are in it', () => {
  assert.ok(readFileSync(join(ROOT, 'docs/operations.md'), 'utf8').includes(`"engines": { "node": "${range}" }`));
  assert.ok(satisfies(process.versions.node, range), `Node ${process.versions.node} is in ${range}`);
  for (const v of ['20.19.0', '20.20.2', '22.16.0', '22.23.3', '24.0.0', '24.21.0']) assert.ok(satisfies(v, range), v);
  for (const v of ['18.20.0', '20.18.3', '21.7.3', '22.15.1', '23.11.0']) assert.not.ok(satisfies(v, range), v);
});

test.run();
