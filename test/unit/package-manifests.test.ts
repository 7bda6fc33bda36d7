/**
 * Every publishable package is shaped for npm the same way: README and the repository's LICENSE,
 * `files`, `exports` with types, `prepack` that builds, a `repository` pointing at its folder, and
 * plugins take `@gofer/core` as a peer (the host's copy), never as a dependency.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../integration/service-harness.js';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  files?: string[];
  exports?: Record<string, unknown>;
  scripts?: Record<string, string>;
  repository?: { type?: string; url?: string; directory?: string };
  gofer?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
const packages = root.workspaces
  .flatMap((p) => (p.endsWith('/*') ? readdirSync(join(ROOT, p.slice(0, -2))).map((d) => `${p.slice(0, -2)}/${d}`) : [p]))
  .filter((dir) => existsSync(join(ROOT, dir, 'package.json')))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ pkg }) => !pkg.private);
const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');

test('the repository has an MIT LICENSE and the publishable packages are all there', () => {
  assert.match(license, /^MIT License/);
  const names = packages.map((p) => p.pkg.name);
  for (const name of ['gofer', '@gofer/core', '@gofer/scheduler-process', '@gofer/scheduler-docker', '@gofer/ui']) assert.ok(names.includes(name), name);
});

test('every package: README, the same LICENSE, MIT, files, exports with types, repository, prepack', () => {
  for (const { dir, pkg } of packages) {
    assert.ok(existsSync(join(ROOT, dir, 'README.md')), `${dir}/README.md`);
    assert.equal(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8'), license, `${dir}/LICENSE is the repository's`);
    assert.equal(pkg.license, 'MIT', `${pkg.name} license`);
    assert.ok(pkg.files && pkg.files.length > 0, `${pkg.name} lists its files`);
    const main = pkg.exports?.['.'] as { types?: string } | undefined;
    assert.ok(main?.types, `${pkg.name} exports "." with types`);
    assert.equal(pkg.repository?.directory, dir, `${pkg.name} repository.directory`);
    assert.ok(pkg.repository?.url, `${pkg.name} repository.url`);
    // The all-in-one package is plain JavaScript: nothing to build.
    if (pkg.name !== 'gofer') assert.ok(pkg.scripts?.prepack, `${pkg.name} builds on pack`);
  }
});

test('plugins take @gofer/core as a peer, never as a dependency', () => {
  for (const { pkg } of packages.filter((p) => p.pkg.gofer !== undefined || p.pkg.name === '@gofer/docker-common')) {
    assert.ok(pkg.peerDependencies?.['@gofer/core'], `${pkg.name} peer @gofer/core`);
    assert.not.ok(pkg.dependencies?.['@gofer/core'], `${pkg.name} has no @gofer/core dependency`);
  }
});

test('the gofer package depends on the core, both schedulers of a zero-setup install and the UI', () => {
  const gofer = packages.find((p) => p.pkg.name === 'gofer')!.pkg;
  for (const dep of ['@gofer/core', '@gofer/scheduler-process', '@gofer/scheduler-docker', '@gofer/ui']) assert.ok(gofer.dependencies?.[dep], dep);
});

test.run();
