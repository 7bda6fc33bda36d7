import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGoferError } from '@gofer/core/api';
import { dockerAvailable } from '../../../test/helpers/docker.js';
import { containerNameFor } from '../src/index.js';
import { makeScheduler, removeTestContainers, request } from './docker-test-kit.js';

const available = await dockerAvailable();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isGoferError(err)) return `${err.code}: ${err.message}`;
    return `not a GoferError: ${String(err)}`;
  }
  return 'resolved';
}

test.after(() => (available ? removeTestContainers() : undefined));

test('an unreachable engine is ERR_SCHEDULER_UNAVAILABLE and says how to start one', async () => {
  const scheduler = makeScheduler({ socketPath: '/tmp/gofer-no-such-engine.sock' });
  const start = await codeOf(scheduler.startContainer(request('unreachable', ['true'])));
  assert.match(start, /^ERR_SCHEDULER_UNAVAILABLE: .*gofer-no-such-engine\.sock.*bash scripts\/docker-up\.sh/);
  assert.match(await codeOf(scheduler.getState({ schedulerId: 'x' })), /^ERR_SCHEDULER_UNAVAILABLE/);
  assert.match(await codeOf(scheduler.getLogs({ schedulerId: 'x' })), /^ERR_SCHEDULER_UNAVAILABLE/);
});

test('a TCP engine address nobody listens on is ERR_SCHEDULER_UNAVAILABLE too', async () => {
  const scheduler = makeScheduler({ host: '127.0.0.1', port: 1 });
  assert.match(await codeOf(scheduler.getState({ schedulerId: 'x' })), /^ERR_SCHEDULER_UNAVAILABLE: Cannot reach the Docker engine at http:\/\/127\.0\.0\.1:1/);
});

if (available) {
  test('getState, getLogs and stop of an unknown container are ERR_NO_SUCH_CONTAINER', async () => {
    const scheduler = makeScheduler();
    assert.match(await codeOf(scheduler.getState({ schedulerId: 'gofer_never-started-here' })), /^ERR_NO_SUCH_CONTAINER/);
    assert.match(await codeOf(scheduler.getLogs({ schedulerId: 'gofer_never-started-here' })), /^ERR_NO_SUCH_CONTAINER/);
    assert.match(await codeOf(scheduler.stopContainer({ schedulerId: 'gofer_never-started-here', timeoutMs: 10 })), /^ERR_NO_SUCH_CONTAINER/);
  });

  test('a local-only image that is missing fails with ERR_NO_SUCH_IMAGE under pullPolicy never', async () => {
    const scheduler = makeScheduler({ pullPolicy: 'never' });
    const result = await codeOf(scheduler.startContainer(request('no-image', ['true'], { image: 'gofer-test/not-here:never' })));
    assert.match(result, /^ERR_NO_SUCH_IMAGE: .*gofer-test\/not-here:never/);
  });

  test('a command that cannot be executed fails at start and leaves no container', async () => {
    const scheduler = makeScheduler();
    const req = request('bad-cmd', ['/no/such/binary']);
    const result = await codeOf(scheduler.startContainer(req));
    assert.match(result, /^ERR_INTERNAL: .*start container/);
    assert.match(await codeOf(scheduler.getState({ schedulerId: containerNameFor(req.id) })), /^ERR_NO_SUCH_CONTAINER/);
  });
}

test.run();
