/** The engine-error rules both Docker plugins share: which failure gets which code, in which words. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GoferError } from '@gofer/core/api';
import { engineClient, engineMessage, isNoOp, isNotFound, isTransportError, translateEngineError, type EngineVocabulary } from '../src/index.js';

const WORDS: EngineVocabulary = {
  subject: 'The test engine',
  object: 'box',
  unreachableFix: 'Start the test engine.',
  missingImage: 'is not in the test registry',
  missingImageFix: 'Push it first.',
};
const httpError = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
const ctx = { engine: 'unix:///run/test.sock' };
const translate = (err: unknown, more: { image?: string; schedulerId?: string } = {}) => translateEngineError(WORDS, err, { ...ctx, ...more }, 'do the thing');

test('no answer at all (a socket code) is ERR_SCHEDULER_UNAVAILABLE naming the address and the fix', () => {
  const err = translate(Object.assign(new Error('connect ENOENT /run/test.sock'), { code: 'ENOENT' }), { image: 'a/b', schedulerId: 'x' });
  assert.is(err.code, 'ERR_SCHEDULER_UNAVAILABLE');
  assert.is(err.message, 'Cannot reach the Docker engine at unix:///run/test.sock (connect ENOENT /run/test.sock). Start the test engine.');
  assert.equal(err.details, { engine: ctx.engine });
});

test('a real refused connection, through a dockerode client, is ERR_SCHEDULER_UNAVAILABLE', async () => {
  const { docker, address } = engineClient({ host: '127.0.0.1', port: 1 });
  assert.is(address, 'http://127.0.0.1:1');
  const err = await docker.ping().then(
    () => undefined,
    (e: unknown) => translateEngineError(WORDS, e, { engine: address }, 'ping'),
  );
  assert.is(err?.code, 'ERR_SCHEDULER_UNAVAILABLE');
  assert.match(err?.message ?? '', 'Cannot reach the Docker engine at http://127.0.0.1:1');
});

test('with an image in the context: refusals are ERR_REGISTRY_AUTH, "not found" answers ERR_NO_SUCH_IMAGE', () => {
  const image = '127.0.0.1:5000/team/app:1';
  for (const refusal of [new Error('unauthorized: authentication required'), httpError(401, 'denied'), new Error('no basic auth credentials')]) {
    const err = translate(refusal, { image });
    assert.is(err.code, 'ERR_REGISTRY_AUTH', String(refusal));
    assert.match(err.message, `The registry refused access to image ${image}`);
    assert.equal(err.details, { image });
  }
  for (const missing of [httpError(404, 'No such image: app:1'), new Error('manifest unknown: manifest unknown'), new Error('repository does not exist')]) {
    const err = translate(missing, { image });
    assert.is(err.code, 'ERR_NO_SUCH_IMAGE', String(missing));
    assert.match(err.message, `Image ${image} is not in the test registry: `);
    assert.match(err.message, / Push it first\.$/);
  }
});

test("with a scheduler id in the context, a 404 is ERR_NO_SUCH_CONTAINER in the plugin's words; without one it is not", () => {
  const err = translate(httpError(404, 'No such container: x'), { schedulerId: 'box-1' });
  assert.is(`${err.code}: ${err.message}`, 'ERR_NO_SUCH_CONTAINER: The test engine has no box box-1.');
  assert.equal(err.details, { schedulerId: 'box-1' });
  assert.is(translate(httpError(404, 'page not found')).code, 'ERR_INTERNAL');
});

test("anything else is ERR_INTERNAL naming the operation, with the engine's own message and status", () => {
  const err = translate(httpError(500, 'driver failed'), { schedulerId: 'box-1' });
  assert.is(err.code, 'ERR_INTERNAL');
  assert.is(err.message, 'The test engine failed to do the thing: driver failed');
  assert.equal(err.details, { engine: ctx.engine, schedulerId: 'box-1', statusCode: 500 });
  assert.is(translate('a string').message, 'The test engine failed to do the thing: a string');
});

test('Gofer errors pass through; a vocabulary recognises its own answers after reachability', () => {
  const own = new GoferError('ERR_NOT_FOUND', 'already translated');
  assert.is(translate(own), own);
  const picky: EngineVocabulary = {
    ...WORDS,
    recognise: (err) => (isNoOp(err) ? new GoferError('ERR_CONFLICT', 'recognised') : undefined),
  };
  assert.is(translateEngineError(picky, httpError(409, 'conflict'), ctx, 'x').message, 'recognised');
  assert.is(translateEngineError(picky, Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ctx, 'x').code, 'ERR_SCHEDULER_UNAVAILABLE');
});

test("the predicates: not found, no-op, transport failure, the engine's message first", () => {
  assert.ok(isNotFound(httpError(404, 'x')));
  assert.not.ok(isNotFound(httpError(409, 'x')));
  assert.ok(isNoOp(httpError(304, 'x')) && isNoOp(httpError(409, 'x')));
  assert.not.ok(isNoOp(httpError(500, 'x')));
  assert.ok(isTransportError(Object.assign(new Error('x'), { code: 'ECONNRESET' })));
  assert.not.ok(isTransportError(httpError(500, 'x')));
  assert.is(engineMessage(httpError(500, 'from the engine')), 'from the engine');
  assert.is(engineMessage(new Error('plain')), 'plain');
  assert.is(engineMessage(42), '42');
});

test.run();
