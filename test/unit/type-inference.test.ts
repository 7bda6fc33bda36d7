/**
 * Types derived from schemas hold at compile time: test/types/*.ts are compiled (never run)
 * with the repository's compiler options; every `@ts-expect-error` there must still be an error
 * and everything else must type-check.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('test/types compiles: plugin settings and route handlers get the types their schemas describe', () => {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'test/types'], { cwd: root, encoding: 'utf8' });
  assert.is(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
});

test.run();
