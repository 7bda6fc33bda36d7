import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, isGoferError, memoryLogger, problemLines } from '@gofer/core';
import { describeAjvErrors, validatorFor } from '../../../core/src/api/ajv.js';
import processPlugin, { DEFAULT_SETTINGS, settingsSchema } from '../src/index.js';

function validate(settings: Record<string, unknown>): { settings: Record<string, unknown>; errors: string[] } {
  const copy = structuredClone(settings);
  const fn = validatorFor(settingsSchema);
  fn(copy);
  return { settings: copy, errors: problemLines(describeAjvErrors(fn.errors)) };
}

test('the definition is the process scheduler with a settings schema', () => {
  assert.is(processPlugin.kind, 'scheduler');
  assert.is(processPlugin.name, 'process');
  assert.is(processPlugin.apiVersion, 1);
});

test('empty settings get every default', () => {
  const { settings, errors } = validate({});
  assert.equal(errors, []);
  assert.equal(settings, { ...DEFAULT_SETTINGS });
});

test('bad settings are reported with their paths', () => {
  const text = validate({ cwd: '', stopTimeoutMs: 1.5, secrets: { file: '/x' }, nope: true }).errors.join('\n');
  assert.match(text, /\/cwd: must NOT have fewer than 1 characters/);
  assert.match(text, /\/stopTimeoutMs: must be integer/);
  assert.match(text, /\/secrets/);
  assert.match(text, /unknown key "nope"/);
});

test('both secrets sources validate', () => {
  assert.equal(validate({ secrets: { dir: '/etc/gofer/secrets' } }).errors, []);
  assert.equal(validate({ secrets: { envFile: '/etc/gofer/secrets.env' } }).errors, []);
});

test('the core refuses bad process settings at start-up, naming the path', async () => {
  try {
    const gofer = await createGofer({
      useEnv: false,
      logger: memoryLogger('silent'),
      plugins: [processPlugin],
      config: { dataDir: ':memory:', scheduler: 'process', schedulers: { process: { stopTimeoutMs: 'soon' } }, discover: false, logLevel: 'silent' },
    });
    await gofer.close();
    assert.unreachable('createGofer should have failed');
  } catch (err) {
    assert.ok(isGoferError(err), String(err));
    assert.match((err as Error).message, /stopTimeoutMs/);
  }
});

test.run();
