/**
 * Many runs on the real process scheduler print nothing to the user's terminal: a run of 20
 * parallel tasks once tripped MaxListenersExceededWarning (every running task added an abort
 * listener to its run's signal), which is a listener leak, not a warning to silence. The test
 * fails on any `warning` event the process emits while 1,000 runs go through.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGofer, Pipeline, Task } from '@gofer/core';
import processScheduler from '@gofer/scheduler-process';
import { tempDir } from '@gofer/testkit';

test('1,000 runs (and 20 parallel tasks in one run) on the process scheduler emit no process warning', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  const gofer = await createGofer({
    useEnv: false,
    plugins: [processScheduler],
    config: { dataDir: tempDir('gofer-no-warnings'), scheduler: 'process', discover: false, logLevel: 'error' },
  });
  try {
    const wide = Array.from({ length: 20 }, (_, i) => new Task(`wide_${i}`, 'none').command('true'));
    await gofer.pipelines.register(new Pipeline('wide', 'wide').tasks(...wide).build());
    const fan = [new Task('root', 'none').command('true'), new Task('left', 'none').command('true').dependsOn('root')];
    await gofer.pipelines.register(new Pipeline('fan', 'fan').tasks(...fan).build());

    const outcomes: string[] = [];
    const runAll = async (pipeline: string, count: number, atOnce: number) => {
      for (let done = 0; done < count; done += atOnce) {
        const started = await Promise.all(Array.from({ length: Math.min(atOnce, count - done) }, () => gofer.runs.start(pipeline)));
        for (const run of await Promise.all(started.map((r) => gofer.runs.wait(pipeline, r.runId)))) outcomes.push(run.status);
      }
    };
    await runAll('wide', 20, 2); // 40 tasks at once, 20 of them on one run's signal
    await runAll('fan', 980, 40); // 40 runs at once on the shared signals of the core
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick

    assert.is(outcomes.length, 1000);
    assert.equal(
      outcomes.filter((s) => s !== 'successful'),
      [],
    );
    assert.equal(warnings, []);
  } finally {
    process.off('warning', onWarning);
    await gofer.close();
  }
});

test.run();
