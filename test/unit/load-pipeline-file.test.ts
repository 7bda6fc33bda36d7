/**
 * `gofer pipeline create <file.ts>` and the demo load TypeScript pipelines with Node's own type
 * stripping where Node has it (22.18+, 24), and through tsx otherwise or when the file uses syntax
 * stripping cannot handle. Run in a plain `node` process on the built core (this test file itself
 * runs under tsx, whose loader would take every import).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../integration/service-harness.js';

const LOADER = join(ROOT, 'core/dist/cli/load-pipeline-file.js');
const TSX_QUERY = 'gofer-loader=tsx';
const FIXTURES = join(ROOT, 'test/fixtures/pipeline-files');
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);

/**
 * Loads a fixture in a fresh plain node; returns its config's id, the URL it was loaded from and,
 * when it exports `coreClass`, whether its `@gofer/core` is the process's own.
 */
function load(file: string): { id: string; loadedFrom: string; sameCore?: boolean } {
  const script = `
    const { loadPipelineFile, importTypeScript } = await import(${JSON.stringify(LOADER)});
    const path = ${JSON.stringify(join(FIXTURES, file))};
    const config = await loadPipelineFile(path);
    const mod = await importTypeScript(new URL('file://' + path).href, path);
    const core = await import('@gofer/core');
    const sameCore = mod.coreClass === undefined ? undefined : mod.coreClass === core.Pipeline;
    console.log(JSON.stringify({ id: config.id, loadedFrom: mod.loadedFrom, sameCore }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { id: string; loadedFrom: string; sameCore?: boolean };
}

test(`an erasable TypeScript pipeline loads ${nodeStripsTypes ? "with Node's type stripping, no tsx" : 'through tsx (this Node does not strip types)'}`, () => {
  const { id, loadedFrom } = load('stripped.ts');
  assert.is(id, 'stripped');
  assert.is(loadedFrom.includes(TSX_QUERY), !nodeStripsTypes, `loaded from ${loadedFrom}`);
});

test('a pipeline with an enum (not erasable) falls back to tsx on every Node', () => {
  const { id, loadedFrom } = load('with-enum.ts');
  assert.is(id, 'with-enum');
  assert.ok(loadedFrom.includes(TSX_QUERY), `loaded from ${loadedFrom}`);
});

test('a pipeline that imports @gofer/core gets the core the process already loaded, not a second copy', () => {
  // tsx's tsImport loaded the imports of the module under a namespace: a second whole core (2.5 s
  // of CPU in every demo on Node 20) whose Pipeline was not the host's class.
  const { id, sameCore } = load('with-sdk.ts');
  assert.is(id, 'with-sdk');
  assert.is(sameCore, true);
});

test.run();
