/**
 * The demo pipeline (`npm run demo`): a small DAG with a failure branch and a runtime variable.
 *
 *   greet ──► test ──(success)──► deploy      skipped: test fails on purpose
 *                  └─(failure)──► notify      runs only because test failed
 *
 * `GREETING_NAME` is a runtime variable: give it when starting a run
 * (`gofer run start demo -v GREETING_NAME=Ada`). Every command is plain POSIX shell, so the
 * pipeline runs the same on the Docker scheduler (busybox image) and as local processes.
 */
import { Pipeline, RequiredParentStatus, Task } from '@gofer/core';

/** The demo pipeline for an image (the process scheduler ignores it). */
export function demoPipeline(image = 'gofer-test/busybox:latest'): Pipeline {
  return new Pipeline('demo', 'Gofer demo')
    .description('A small DAG with a failure branch and a runtime variable.')
    .tasks(
      new Task('greet', image)
        .description('Greets whoever GREETING_NAME names (a runtime variable).')
        .command('sh', '-c', 'echo "Hello, ${GREETING_NAME:-stranger}!"; sleep 0.3; echo "greeting sent"'),
      new Task('test', image)
        .description('Runs three checks; the last one fails on purpose.')
        .command('sh', '-c', 'for i in 1 2 3; do echo "check $i/3 running"; sleep 0.3; done; echo "check 3 failed" >&2; exit 3')
        .dependsOn('greet', RequiredParentStatus.Success),
      new Task('deploy', image)
        .description('Runs only when the tests pass, so it is skipped here.')
        .command('sh', '-c', 'echo "deploying"')
        .dependsOn('test', RequiredParentStatus.Success),
      new Task('notify', image)
        .description('The failure branch: runs only when test failed.')
        .command('sh', '-c', 'echo "tests failed on run $GOFER_RUN_ID; telling ${GREETING_NAME:-stranger}"')
        .dependsOn('test', RequiredParentStatus.Failure),
    );
}

export default demoPipeline();
