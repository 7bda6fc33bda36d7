/**
 * Tasks that work together (docs/pipelines-and-runs.md, "Tasks that work together"): outputs,
 * a matrix, a `when` condition, an allowed failure and a shared workspace.
 *
 *   build ──► test[NODE=18,OS=alpine] ┐
 *         ├─► test[NODE=18,OS=debian] ├─► deploy   (only when GIT_BRANCH is main)
 *         ├─► test[NODE=20,OS=alpine] │
 *         ├─► test[NODE=20,OS=debian] ┘
 *         └─► lint                         fails, which allowFailure permits
 *
 * `build` writes its VERSION to $GOFER_OUTPUT and an artifact into the run's workspace; each
 * combination of `test` sees its NODE and OS and reads the artifact; `deploy` receives VERSION
 * as a variable. Try `gofer run start together -v GIT_BRANCH=main --wait`, then without the
 * variable: deploy is skipped (condition_false). Plain POSIX shell, so it runs on the Docker
 * scheduler (busybox) and as local processes (the process scheduler gives `$GOFER_WORKSPACE`,
 * a directory, instead of `/workspace`: the commands use the variable).
 */
import { Pipeline, Task } from '@gofer/core';

/** The pipeline for an image (the process scheduler ignores it). */
export function togetherPipeline(image = 'gofer-test/busybox:latest'): Pipeline {
  return new Pipeline('together', 'Tasks that work together')
    .description('Outputs, a matrix, a condition, an allowed failure and a shared workspace.')
    .workspace()
    .tasks(
      new Task('build', image)
        .description('Builds version 1.<run>: an output for the dependents, an artifact in the workspace.')
        .command(
          'sh',
          '-c',
          'echo "VERSION=1.$GOFER_RUN_ID" >> "$GOFER_OUTPUT"; echo "artifact of run $GOFER_RUN_ID" > "$GOFER_WORKSPACE/artifact.txt"; echo built',
        ),
      new Task('test', image)
        .description('Tests the artifact on every NODE x OS combination, two at a time.')
        .dependsOn('build')
        .matrix({ NODE: ['18', '20'], OS: ['alpine', 'debian'], maxParallel: 2 })
        .command('sh', '-c', 'echo "testing on node $NODE / $OS: $(cat "$GOFER_WORKSPACE/artifact.txt")"'),
      new Task('lint', image)
        .description('A check that may fail without failing the run.')
        .dependsOn('build')
        .allowFailure()
        .command('sh', '-c', 'echo "3 style warnings"; exit 1'),
      new Task('deploy', image)
        .description('Deploys the tested version, only from the main branch.')
        .dependsOn('test')
        .when("GIT_BRANCH == 'main' && tasks.test.status == 'successful'")
        .variable('VERSION', '{{tasks.build.outputs.VERSION}}')
        .command('sh', '-c', 'echo "deploying $VERSION"'),
    );
}

export default togetherPipeline();
