/**
 * `untilAborted` (the task watcher reads a container's whole output through it) keeps nothing
 * of what it has yielded: items already passed on can be garbage-collected while the signal is
 * still live, and it holds at most one abort listener at a time. Its first version raced every
 * `next()` against one long-lived promise, which kept every item reachable until the signal
 * aborted: a task printing 500 MB held 500 MB (issue 12). This test fails if that comes back.
 */
import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onAbort, sleep, untilAborted } from '../../core/src/kernel/abortable.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ITEMS = 200;

test('items already yielded are collectable while the signal is live; one abort listener at most', async () => {
  const controller = new AbortController();
  const refs: Array<WeakRef<object>> = [];
  let maxListeners = 0;
  async function* source() {
    for (let i = 0; i < ITEMS; i++) {
      const item = { i, data: new Uint8Array(1024) };
      refs.push(new WeakRef(item));
      yield item;
    }
  }
  let seen = 0;
  let aliveMidway = -1;
  for await (const item of untilAborted(source(), controller.signal)) {
    seen += 1;
    maxListeners = Math.max(maxListeners, getEventListeners(controller.signal, 'abort').length);
    if (item.i === ITEMS - 1) {
      // Still iterating (the generator, its signal and its listener are live). WeakRef targets
      // stay alive until the current job ends: let it end, then collect.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      aliveMidway = refs.slice(0, ITEMS - 1).filter((r) => r.deref() !== undefined).length;
    }
  }
  assert.is(seen, ITEMS);
  assert.ok(aliveMidway <= 1, `${aliveMidway} of ${ITEMS - 1} items already yielded are still reachable mid-iteration (nothing should hold them)`);
  assert.ok(maxListeners <= 1, `at most one abort listener at a time (${maxListeners})`);
  assert.is(getEventListeners(controller.signal, 'abort').length, 0, 'no listener is left once the source ended');
  assert.not.ok(controller.signal.aborted);
});

test('aborting mid-way ends the iteration, returns the source and leaves no listener', async () => {
  const controller = new AbortController();
  let returned = false;
  const source: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<number>>(() => undefined), // never answers
      return: () => {
        returned = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  const iteration = (async () => {
    for await (const _ of untilAborted(source, controller.signal)) assert.unreachable('the source yields nothing');
  })();
  await new Promise((resolve) => setImmediate(resolve));
  controller.abort();
  await iteration;
  assert.ok(returned, 'the source iterator was returned');
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
});

test('any number of waits on one signal share one abort listener; each is called once, the ones that left never', async () => {
  const controller = new AbortController();
  const called: number[] = [];
  const leaves = Array.from({ length: 50 }, (_, i) => onAbort(controller.signal, () => called.push(i)));
  const sleeps = Array.from({ length: 50 }, () => sleep(60_000, controller.signal));
  assert.is(getEventListeners(controller.signal, 'abort').length, 1);
  for (const leave of leaves.slice(0, 10)) leave();
  leaves[0]!(); // leaving twice is harmless
  controller.abort();
  await Promise.all(sleeps); // every sleep woke at once
  assert.equal(
    called,
    Array.from({ length: 40 }, (_, i) => i + 10),
  );
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
  let late = 0;
  onAbort(controller.signal, () => late++);
  assert.is(late, 1, 'a wait on an aborted signal is called at once');
});

test('the shared listener goes with the last wait', () => {
  const controller = new AbortController();
  const leaves = [onAbort(controller.signal, () => undefined), onAbort(controller.signal, () => undefined)];
  leaves[0]!();
  assert.is(getEventListeners(controller.signal, 'abort').length, 1);
  leaves[1]!();
  assert.is(getEventListeners(controller.signal, 'abort').length, 0);
  const again = onAbort(controller.signal, () => undefined);
  assert.is(getEventListeners(controller.signal, 'abort').length, 1);
  again();
});

test.run();
