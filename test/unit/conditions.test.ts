/**
 * A task's `when` (core/src/pipelines/conditions.ts): CEL expressions over the task's variables and
 * its ancestors' results, compiled once, refused at compile time when they cannot be checked
 * (syntax, types, computed task references), and never able to reach JavaScript itself.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCondition, ConditionError, type ConditionContext } from '../../core/src/pipelines/conditions.js';

const ctx: ConditionContext = {
  variables: { GIT_BRANCH: 'main', FORCE: 'no', BUILD_NUMBER: '5', EMPTY: '', QUOTE: `it's "quoted"` },
  tasks: {
    build: { status: 'successful', outputs: { VERSION: '1.2.3', EMPTY: '' } },
    test: { status: 'failed', outputs: {} },
    'test[NODE=18]': { status: 'failed', outputs: { REPORT: 'r.xml' } },
    'test[NODE=20,OS=alpine]': { status: 'successful', outputs: {} },
  },
};

const run = (expression: string, context: ConditionContext = ctx) => compileCondition(expression).evaluate(context);

function throwsCondition(fn: () => unknown, kind: ConditionError['kind'], message: RegExp): ConditionError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConditionError);
    const e = err as ConditionError;
    assert.is(e.kind, kind, `kind of: ${e.message}`);
    assert.match(e.message, message);
    return e;
  }
  assert.unreachable('expected a ConditionError');
  throw new Error('unreachable');
}

test('the examples of the docs', () => {
  assert.is(run("GIT_BRANCH == 'main' && tasks.test.status == 'successful'"), false);
  assert.is(run("GIT_BRANCH == 'main' && tasks.build.status == 'successful'"), true);
  assert.is(run("tasks.build.outputs.VERSION != '' || FORCE == 'yes'"), true);
  assert.is(run("tasks['test[NODE=18]'].status == 'failed'"), true);
  assert.is(run(`tasks["test[NODE=20,OS=alpine]"].status == 'successful'`), true);
});

test('every operator: comparison, logic, ternary, membership, arithmetic on int()', () => {
  const cases: Array<[string, boolean]> = [
    ["GIT_BRANCH == 'main'", true],
    ["GIT_BRANCH != 'main'", false],
    ["GIT_BRANCH < 'n'", true],
    ["GIT_BRANCH <= 'main'", true],
    ["GIT_BRANCH > 'main'", false],
    ["GIT_BRANCH >= 'main'", true],
    ["GIT_BRANCH == 'main' && FORCE == 'yes'", false],
    ["GIT_BRANCH == 'dev' || FORCE == 'no'", true],
    ["!(FORCE == 'yes')", true],
    ["GIT_BRANCH == 'main' ? FORCE == 'no' : false", true],
    ["GIT_BRANCH in ['main', 'release']", true],
    ["'VERSION' in tasks.build.outputs", true],
    ["'NOPE' in tasks.build.outputs", false],
    ['int(BUILD_NUMBER) + 1 == 6', true],
    ['int(BUILD_NUMBER) - 1 >= 4', true],
    ['int(BUILD_NUMBER) * 2 == 10 && int(BUILD_NUMBER) % 2 == 1 && int(BUILD_NUMBER) / 5 == 1', true],
    ["GIT_BRANCH + '-x' == 'main-x'", true],
    ["BUILD_NUMBER == '5'", true],
  ];
  for (const [expression, expected] of cases) assert.is(run(expression), expected, expression);
});

test('string methods and list macros', () => {
  assert.is(run("GIT_BRANCH.startsWith('ma') && GIT_BRANCH.endsWith('in') && GIT_BRANCH.contains('ai')"), true);
  assert.is(run('GIT_BRANCH.size() == 4 && size(EMPTY) == 0'), true);
  assert.is(run("['a', GIT_BRANCH].exists(b, b == 'main')"), true);
  assert.is(run("['main', GIT_BRANCH].all(b, b == 'main')"), true);
  assert.is(run("[GIT_BRANCH].exists_one(b, b.startsWith('m'))"), true);
  assert.is(run("['a', 'bb'].filter(s, s.size() > 1) == ['bb']"), true);
  assert.is(run("['a'].map(s, s + GIT_BRANCH) == ['amain']"), true);
  assert.is(run("cel.bind(v, tasks.build.outputs.VERSION, v.startsWith('1.') && v != '')"), true);
});

test('macro and bind variables are not task variables', () => {
  const c = compileCondition("['x'].exists(b, b == GIT_BRANCH) && cel.bind(v, FORCE, v == 'no')");
  assert.equal([...c.variableRefs], ['GIT_BRANCH', 'FORCE']);
  assert.is(c.evaluate(ctx), false);
});

test('strings with quotes and escapes, nested parentheses', () => {
  assert.is(run(`QUOTE == 'it\\'s "quoted"'`), true);
  assert.is(run(`QUOTE == "it's \\"quoted\\""`), true);
  assert.is(run(`QUOTE == r'it\\'s "quoted"'`), false);
  assert.is(run(`'a && b' == 'a && b'`), true);
  assert.is(run(`'tasks[FOO]' != ''`), true, 'tasks inside a string is text');
  assert.is(run("((((GIT_BRANCH == 'main') && ((FORCE == 'no')))) || (false))"), true);
  assert.is(run("!((GIT_BRANCH == 'main') && !(FORCE == 'yes'))"), false);
});

test('taskRefs: literal references in order, unique; variables likewise', () => {
  const c = compileCondition(
    "tasks.build.status == 'successful' && tasks['test[NODE=18]'].outputs.REPORT != '' && has(tasks.lint.outputs.X) && tasks.build.outputs.VERSION != '' && GIT_BRANCH == FORCE && GIT_BRANCH != ''",
  );
  assert.equal([...c.taskRefs], ['build', 'test[NODE=18]', 'lint']);
  assert.equal([...c.variableRefs], ['GIT_BRANCH', 'FORCE']);
  assert.is(c.expression.startsWith('tasks.build'), true);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.taskRefs));
});

test('compiled once per expression text', () => {
  assert.is(compileCondition("FORCE == 'yes'"), compileCondition("FORCE == 'yes'"));
  for (let i = 0; i < 600; i++) compileCondition(`FORCE == '${i}'`);
  assert.is(compileCondition("FORCE == '599'").evaluate(ctx), false, 'the cache is bounded and keeps working');
});

test('computed task references are refused at compile time', () => {
  throwsCondition(() => compileCondition("tasks[GIT_BRANCH].status == 'x'"), 'reference', /task references must be literal/);
  throwsCondition(() => compileCondition("tasks['bu' + 'ild'].status == 'x'"), 'reference', /task references must be literal/);
  throwsCondition(() => compileCondition('size(tasks) > 0'), 'reference', /task references must be literal/);
  throwsCondition(() => compileCondition("'build' in tasks"), 'reference', /task references must be literal/);
  throwsCondition(() => compileCondition("['a'].exists(tasks, tasks == 'a')"), 'reference', /tasks. is reserved/);
});

test('tasks is reserved: a variable of that name does not shadow it', () => {
  const context = { variables: { tasks: 'shadow' }, tasks: { build: { status: 'successful', outputs: {} } } };
  assert.is(run("tasks.build.status == 'successful'", context), true);
  assert.not.ok(compileCondition("tasks.build.status == 'successful'").variableRefs.includes('tasks'));
});

test('variables are strings: comparing with a number is a type error at compile time, int() converts', () => {
  const e = throwsCondition(() => compileCondition('BUILD_NUMBER == 5'), 'syntax', /type error: no such overload: string == int/);
  assert.match(e.message, /int\(NAME\) == 5 or NAME == '5'/);
  throwsCondition(() => compileCondition('tasks.build.status == 5'), 'syntax', /type error/);
  throwsCondition(() => compileCondition("int(BUILD_NUMBER) == '5'"), 'syntax', /type error/);
  assert.is(run('int(BUILD_NUMBER) == 5'), true);
  throwsCondition(() => run('int(GIT_BRANCH) == 5'), 'evaluation', /cannot convert to int/);
});

test('the result must be a boolean', () => {
  throwsCondition(() => compileCondition('GIT_BRANCH'), 'syntax', /is a string, not a bool/);
  throwsCondition(() => compileCondition('int(BUILD_NUMBER)'), 'syntax', /is a int, not a bool/);
  throwsCondition(() => compileCondition('tasks.build.outputs'), 'syntax', /not a bool/);
  throwsCondition(() => run('dyn(GIT_BRANCH)'), 'evaluation', /the result is the string "main", not true or false/);
});

test('a variable that is not set: an evaluation error naming it, unless the result does not need it', () => {
  throwsCondition(() => run("DEPLOY == 'yes'"), 'evaluation', /^DEPLOY is not set: /);
  throwsCondition(() => run("GIT_BRANCH == 'main' && DEPLOY == 'yes'"), 'evaluation', /^DEPLOY is not set: /);
  assert.is(run("GIT_BRANCH == 'main' || DEPLOY == 'yes'"), true, 'CEL: true || error is true');
});

test('a task that is not in the context, an output that was not written, a field that does not exist', () => {
  throwsCondition(() => run("tasks.deploy.status == 'successful'"), 'evaluation', /tasks\.deploy has no result here/);
  throwsCondition(() => run("FORCE == 'no' || tasks.deploy.status == 'successful'"), 'evaluation', /tasks\.deploy/);
  const e = throwsCondition(() => run("tasks.build.outputs.NOPE == ''"), 'evaluation', /tasks\.build\.outputs\.NOPE does not exist/);
  assert.match(e.message, /has\(tasks\.build\.outputs\.NOPE\)/);
  throwsCondition(() => run("tasks.build.outputs['NOPE'] == ''"), 'evaluation', /NOPE.* does not exist/);
  assert.is(run('has(tasks.build.outputs.NOPE)'), false);
  assert.is(run("has(tasks.build.outputs.EMPTY) && tasks.build.outputs.EMPTY == ''"), true);
  throwsCondition(() => compileCondition("tasks.build.state == 'x'"), 'syntax', /No such key: state.*only status and outputs/);
});

test('syntax errors name the problem and its position', () => {
  throwsCondition(() => compileCondition("GIT_BRANCH == 'main' &&"), 'syntax', /Unexpected token: EOF \(at character 24\)/);
  throwsCondition(() => compileCondition("GIT_BRANCH = 'main'"), 'syntax', /at character/);
  throwsCondition(() => compileCondition("GIT_BRANCH == 'main"), 'syntax', /./);
  throwsCondition(() => compileCondition("(GIT_BRANCH == 'main'"), 'syntax', /./);
  throwsCondition(() => compileCondition("GIT_BRANCH == 'main')"), 'syntax', /./);
  throwsCondition(() => compileCondition('nope('), 'syntax', /./);
  throwsCondition(() => compileCondition("unknownFn(GIT_BRANCH) == 'x'"), 'syntax', /./);
  throwsCondition(() => compileCondition("var == 'x'"), 'syntax', /Reserved identifier: var/);
});

test('matches() is refused: JavaScript regular expressions may backtrack exponentially', () => {
  throwsCondition(() => compileCondition("GIT_BRANCH.matches('^(a+)+$')"), 'syntax', /matches\(\) is not available/);
  throwsCondition(() => compileCondition("matches(GIT_BRANCH, 'x')"), 'syntax', /matches\(\) is not available/);
});

test('no way into JavaScript: no eval, no constructor chains', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  throwsCondition(() => compileCondition("constructor.constructor('return process')()"), 'syntax', /Unexpected/);
  throwsCondition(() => compileCondition("GIT_BRANCH.constructor.constructor('return process')() == 'x'"), 'syntax', /./);
  throwsCondition(() => run("GIT_BRANCH.constructor == 'x'"), 'syntax', /./);
  throwsCondition(() => run("tasks.build.constructor == 'x'"), 'syntax', /./);
  throwsCondition(() => run("tasks.build.outputs.constructor == 'x'"), 'evaluation', /does not exist/);
  throwsCondition(() => run("tasks.build.outputs.hasOwnProperty == 'x'"), 'evaluation', /does not exist/);
  throwsCondition(() => run("tasks.build.outputs['__proto__'] == 'x'"), 'evaluation', /does not exist/);
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), before);
});

test('prototype names as variables and output keys are plain keys', () => {
  const outputs = JSON.parse('{"__proto__": "p", "constructor": "c"}') as Record<string, string>;
  const context: ConditionContext = { variables: { constructor: 'v', toString: 't' }, tasks: { build: { status: 'successful', outputs } } };
  assert.is(run("tasks.build.outputs['__proto__'] == 'p' && tasks.build.outputs.constructor == 'c'", context), true);
  assert.is(run("constructor == 'v' && toString == 't'", context), true);
  throwsCondition(() => run("constructor == 'v'", { variables: {}, tasks: {} }), 'evaluation', /^constructor is not set/);
  throwsCondition(() => run("valueOf == 'v'", { variables: {}, tasks: {} }), 'evaluation', /^valueOf is not set/);
  throwsCondition(() => run("tasks.build.status == 'x'", { variables: {}, tasks: {} }), 'evaluation', /tasks\.build has no result/);
  throwsCondition(() => run("tasks.toString.status == 'x'", { variables: {}, tasks: {} }), 'evaluation', /tasks\.toString has no result/);
  throwsCondition(() => compileCondition("__proto__ == 'x'"), 'syntax', /Reserved identifier: __proto__/);
});

test('large and deep expressions are bounded: a syntax error, never a stack overflow', () => {
  const deep = (open: string, close: string, body: string, n = 900) => open.repeat(n) + body + close.repeat(n);
  for (const expression of [
    deep('(', ')', 'true'),
    deep('[', ']', '') + ' == []',
    '!'.repeat(1995) + 'true',
    '-'.repeat(1990) + '1 > 0',
    deep('f(', ')', 'x', 600),
    `GIT_BRANCH${'.trim()'.repeat(270)} == ''`,
  ]) {
    assert.ok(expression.length <= 2000, `${expression.length}`);
    throwsCondition(() => compileCondition(expression), 'syntax', /./);
  }
  const long = Array.from({ length: 150 }, (_, i) => `GIT_BRANCH != '${i}'`).join(' && ');
  assert.ok(long.length > 2000 - 800);
  assert.is(run(long.slice(0, long.lastIndexOf(' && '))), true);
  const sum = Array.from({ length: 600 }, () => '1').join('+') + ' == 600';
  assert.is(run(sum), true);
});

test.run();
