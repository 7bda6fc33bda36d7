/**
 * A follower of `events.follow()` that stops reading (a stalled SSE client) holds at most
 * MAX_QUEUED_EVENTS live events: past that they are dropped and read back from the store when
 * it reads again. What it receives is still every event, once, in order.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PAGE_LIMITS, Pipeline, Task } from '@gofer/core';
import { MAX_QUEUED_EVENTS } from '../../core/src/events/events-api.js';
import { goferWithFake } from '../helpers/gofer-with-fake.js';

let TOTAL = Infinity;

test('a follower that pauses past the queue limit still gets every event once, in order', async () => {
  const { gofer } = await goferWithFake();
  try {
    const register = (i: number) => gofer.pipelines.register(new Pipeline(`ovf-${i % 7}`, `name ${i}`).tasks(new Task('aaa', 'img')).build());
    await register(0);
    const first = (await gofer.events.list())[0]!;
    const controller = new AbortController();
    const ids: number[] = [];
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let gotFirst!: () => void;
    const firstSeen = new Promise<void>((resolve) => (gotFirst = resolve));
    const following = (async () => {
      for await (const e of gofer.events.follow({ after: first.id - 1, signal: controller.signal })) {
        ids.push(e.id);
        if (ids.length === 1) {
          gotFirst();
          await paused; // reads nothing while many events are published
        }
        if (ids.length === TOTAL) controller.abort();
      }
    })();
    await firstSeen;
    const extra = MAX_QUEUED_EVENTS + 500;
    for (let i = 1; i <= extra; i++) await register(i);
    const all = (await gofer.events.list({ after: first.id - 1, limit: PAGE_LIMITS.events.max })).map((e) => e.id);
    TOTAL = all.length;
    assert.ok(TOTAL > MAX_QUEUED_EVENTS + 1, `${TOTAL} events published, more than the queue holds`);
    release();
    await following;
    assert.equal(ids, all, 'every event once, in order');
  } finally {
    await gofer.close();
  }
});

test.run();
