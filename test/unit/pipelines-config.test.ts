/** Pipeline config validation (schema + DAG) and the SDK builders: every problem, with its path. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pipeline, Task, RequiredParentStatus, pipelineConfigProblems, validatePipelineConfig, isGoferError } from '@gofer/core';

const IMG = 'gofer-test/busybox:latest';

function problemsOf(config: unknown): Array<{ path: string; message: string }> {
  try {
    validatePipelineConfig(config);
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_PIPELINE_INVALID'));
    return (err as unknown as { details: { problems: Array<{ path: string; message: string }> } }).details.problems;
  }
  return [];
}

test('the SDK builds the config the Go SDK would, validated', () => {
  const config = new Pipeline('hello', 'Hello pipeline')
    .description('says hello')
    .parallelism(2)
    .tasks(
      new Task('simple_task', IMG).description('Prints a greeting').command('echo', 'Hello from Gofer!').variable('LOG_LEVEL', 'info').variables({ A: '1' }),
      new Task('second', IMG)
        .dependsOn('simple_task', RequiredParentStatus.Success)
        .entrypoint('/bin/sh')
        .secret('TOKEN', 'vault/x')
        .injectApiToken()
        .timeoutMs(500)
        .alwaysPull()
        .registryAuth('u', 'p'),
    )
    .build();
  assert.equal(config, {
    id: 'hello',
    name: 'Hello pipeline',
    description: 'says hello',
    parallelism: 2,
    tasks: [
      { id: 'simple_task', image: IMG, description: 'Prints a greeting', command: ['echo', 'Hello from Gofer!'], variables: { LOG_LEVEL: 'info', A: '1' } },
      {
        id: 'second',
        image: IMG,
        dependsOn: { simple_task: 'success' },
        entrypoint: ['/bin/sh'],
        secrets: { TOKEN: 'vault/x' },
        injectApiToken: true,
        timeoutMs: 500,
        alwaysPull: true,
        registryAuth: { user: 'u', pass: 'p' },
      },
    ],
  });
  assert.equal(JSON.parse(JSON.stringify(new Pipeline('hello', 'x').tasks(new Task('abc', IMG)))), {
    id: 'hello',
    name: 'x',
    tasks: [{ id: 'abc', image: IMG }],
  });
});

test('bad ids: too short, too long, bad characters, each with its path', () => {
  const problems = problemsOf({
    id: 'ab',
    name: 'x',
    tasks: [
      { id: 'x'.repeat(33), image: IMG },
      { id: 'bad id!', image: IMG },
    ],
  });
  assert.equal(
    problems.map((p) => p.path),
    ['/id', '/tasks/0/id', '/tasks/1/id'],
  );
  assert.match(problems[0]!.message, /3-32/);
});

test('duplicate task ids, unknown dependencies, self-dependency and cycles: all reported at once', () => {
  const problems = problemsOf({
    id: 'graph',
    name: 'x',
    tasks: [
      { id: 'aaa', image: IMG, dependsOn: { ccc: 'success' } },
      { id: 'bbb', image: IMG, dependsOn: { aaa: 'any' } },
      { id: 'ccc', image: IMG, dependsOn: { bbb: 'failure' } },
      { id: 'aaa', image: IMG },
      { id: 'ddd', image: IMG, dependsOn: { nope: 'success', ddd: 'any' } },
    ],
  });
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
  assert.match(byPath['/tasks/3/id']!, /duplicate task id "aaa"/);
  assert.match(byPath['/tasks/4/dependsOn/nope']!, /unknown task "nope"/);
  assert.match(byPath['/tasks/4/dependsOn/ddd']!, /depends on itself/);
  assert.ok(
    problems.some((p) => /dependency cycle: .*aaa.*ccc|dependency cycle: .*ccc.*aaa/.test(p.message)),
    'the cycle is reported',
  );
  assert.is(problems.length, 4);
});

test('schema problems: missing keys, wrong types, unknown keys, bad dependsOn value, bad env names', () => {
  const problems = problemsOf({
    id: 'schema',
    tasks: [{ id: 'aaa', image: 5, dependsOn: { bbb: 'sometimes' }, variables: { 'bad-name': 'x' }, extra: true }, { id: 'bbb' }],
    parallelism: -1,
  });
  const paths = problems.map((p) => p.path);
  for (const path of ['/', '/tasks/0/image', '/tasks/0/dependsOn/bbb', '/tasks/0/variables', '/tasks/0', '/tasks/1', '/parallelism']) {
    assert.ok(paths.includes(path), `a problem at ${path}: ${JSON.stringify(problems)}`);
  }
  assert.ok(problems.some((p) => p.path === '/' && /"name"/.test(p.message)));
  assert.ok(problems.some((p) => p.path === '/tasks/0' && /unknown key "extra"/.test(p.message)));
  assert.ok(problems.some((p) => p.path === '/tasks/1' && /"image"/.test(p.message)));
});

test('a pipeline without tasks and a non-object are refused', () => {
  assert.equal(
    problemsOf({ id: 'empty', name: 'x', tasks: [] }).map((p) => p.path),
    ['/tasks'],
  );
  assert.ok(pipelineConfigProblems('nope').length > 0);
});

test('the SDK build() throws ERR_PIPELINE_INVALID with every problem', () => {
  try {
    new Pipeline('p', '').tasks(new Task('aaa', IMG).dependsOn('zzz')).build();
    assert.unreachable();
  } catch (err) {
    assert.ok(isGoferError(err, 'ERR_PIPELINE_INVALID'));
    assert.equal((err as unknown as { details: { problems: Array<{ path: string }> } }).details.problems.map((p) => p.path).sort(), [
      '/id',
      '/name',
      '/tasks/0/dependsOn/zzz',
    ]);
    assert.match((err as Error).message, /\/tasks\/0\/dependsOn\/zzz/);
  }
});

test.run();
