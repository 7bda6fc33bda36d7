import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, isGoferError, memoryLogger, problemLines } from '@gofer/core';
import { describeAjvErrors, validatorFor } from '../../../core/src/api/ajv.js';
import dockerPlugin, { DEFAULT_SETTINGS, settingsSchema } from '../src/index.js';

function validate(settings: Record<string, unknown>): { settings: Record<string, unknown>; errors: string[] } {
  const copy = structuredClone(settings);
  const fn = validatorFor(settingsSchema);
  fn(copy);
  return { settings: copy, errors: problemLines(describeAjvErrors(fn.errors)) };
}

test('the definition is the docker scheduler with a settings schema', () => {
  assert.is(dockerPlugin.kind, 'scheduler');
  assert.is(dockerPlugin.name, 'docker');
  assert.is(dockerPlugin.apiVersion, 1);
});

test('empty settings get every default', () => {
  const { settings, errors } = validate({});
  assert.equal(errors, []);
  assert.equal(settings, { ...DEFAULT_SETTINGS });
});

test('bad settings are reported with their paths', () => {
  const { errors } = validate({ networkMode: 5, pullPolicy: 'sometimes', stopTimeoutMs: -1, secrets: { dir: '/x', envFile: '/y' }, nope: true });
  const text = errors.join('\n');
  assert.match(text, /\/networkMode: must be string/);
  assert.match(text, /\/pullPolicy: must be equal to one of the allowed values \("if-missing", "always", "never"\)/);
  assert.match(text, /\/stopTimeoutMs: must be >= 0/);
  assert.match(text, /\/secrets/);
  assert.match(text, /unknown key "nope"/);
});

test('both secrets sources validate', () => {
  assert.equal(validate({ secrets: { dir: '/etc/gofer/secrets' } }).errors, []);
  assert.equal(validate({ secrets: { envFile: '/etc/gofer/secrets.env' } }).errors, []);
});

test('the core refuses bad docker settings at start-up, naming the path', async () => {
  try {
    const gofer = await createGofer({
      useEnv: false,
      logger: memoryLogger('silent'),
      plugins: [dockerPlugin],
      config: { dataDir: ':memory:', scheduler: 'docker', schedulers: { docker: { pullPolicy: 'sometimes' } }, discover: false, logLevel: 'silent' },
    });
    await gofer.close();
    assert.unreachable('createGofer should have failed');
  } catch (err) {
    assert.ok(isGoferError(err), String(err));
    assert.match((err as Error).message, /pullPolicy/);
  }
});

test.run();
