/** The error registry: alphabetical, and in step with the table in docs/error-codes.md (run scripts/errors-table.mjs). */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES, GoferError, isGoferError } from '@gofer/core';

const codes = Object.keys(ERROR_CODES);

test('codes are listed once, alphabetically, each with a summary', () => {
  assert.equal(codes, [...codes].sort());
  for (const [code, summary] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^ERR_[A-Z0-9_]+$/);
    assert.ok(summary.length > 10, `${code} needs a summary`);
  }
});

test("docs/error-codes.md's table lists exactly the registry, in order, with the same summaries", () => {
  const readme = readFileSync(new URL('../../docs/error-codes.md', import.meta.url), 'utf8');
  const rows = [...readme.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]]);
  assert.equal(rows, Object.entries(ERROR_CODES), 'run `node scripts/errors-table.mjs` to regenerate the table');
});

test('GoferError keeps its code, cause and details, and is recognised across module copies', () => {
  const cause = new Error('socket hang up');
  const err = new GoferError('ERR_SCHEDULER_UNAVAILABLE', 'engine down', { cause, details: { socketPath: '/x' } });
  assert.equal(err.code, 'ERR_SCHEDULER_UNAVAILABLE');
  assert.is(err.cause, cause);
  assert.equal(err.toJSON(), { code: 'ERR_SCHEDULER_UNAVAILABLE', message: 'engine down', details: { socketPath: '/x' } });
  assert.ok(isGoferError(err, 'ERR_SCHEDULER_UNAVAILABLE'));
  assert.not.ok(isGoferError(err, 'ERR_NOT_FOUND'));
  const copy = Object.assign(new Error('x'), { code: 'ERR_NOT_FOUND', [Symbol.for('gofer.error')]: true });
  assert.ok(isGoferError(copy, 'ERR_NOT_FOUND'));
  assert.not.ok(isGoferError(Object.assign(new Error('y'), { code: 'ERR_NOT_FOUND' })));
});

test.run();
