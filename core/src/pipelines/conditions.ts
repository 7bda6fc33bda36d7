/**
 * A task's `when`: a CEL expression (the Common Expression Language, as Kubernetes and Tekton
 * use) decided just before the task would start. Pure: compiled once per expression text,
 * evaluated against the task's variables and its ancestors' results.
 *
 * What an expression sees:
 * - every identifier other than `tasks` is one of the task's variables, a string
 *   (`GIT_BRANCH == 'main'`). Variables are strings: `BUILD_NUMBER == 5` is a type error
 *   (refused when compiled); write `int(BUILD_NUMBER) == 5` or `BUILD_NUMBER == '5'`;
 * - `tasks.<id>.status` (`'successful'`, `'failed'`, `'skipped'`, `'cancelled'`) and
 *   `tasks.<id>.outputs.<KEY>` of an ancestor, `tasks['<id>']` for ids CEL cannot spell
 *   (`tasks['test[NODE=18]'].status`). `tasks` is reserved: a variable of that name cannot
 *   shadow it, and the id must be a literal so that registration can check every task read;
 * - a missing output is an evaluation error naming it; `has(tasks.build.outputs.KEY)` or
 *   `'KEY' in tasks.build.outputs` asks whether it was written;
 * - operators `== != < <= > >= && || ! ?: in + -`, parentheses, `'...'` and `"..."` strings,
 *   the string methods `startsWith`, `endsWith`, `contains`, `size`, `lowerAscii`, `int()`,
 *   the list macros `exists`, `all`, `exists_one`, `filter`, `map` and `cel.bind`.
 *   `matches()` is refused: JavaScript's regular expressions (unlike CEL's RE2) can take
 *   exponential time on a crafted value, and one would block the orchestrator.
 *
 * The library parses and walks a tree: it never builds code (no eval, no `new Function`), and
 * reads object keys only through own properties and Maps, so `__proto__` or `constructor`
 * (as a variable or an output key) never reaches Object.prototype.
 */
import { Environment, ParseError, EvaluationError, TypeError as CelTypeError, type ASTNode } from '@marcbachmann/cel-js';
import { serialize } from '@marcbachmann/cel-js/serialize';

/** What a `when` is decided against. */
export interface ConditionContext {
  /** The task's variables by name (top-level identifiers). */
  variables: Readonly<Record<string, string>>;
  /** Ancestors' results: `tasks.<id>.status` and `tasks.<id>.outputs.<KEY>`. */
  tasks: Readonly<Record<string, { status: string; outputs: Readonly<Record<string, string>> }>>;
}

/** A parsed and type-checked `when`, reusable for every evaluation. */
export interface CompiledCondition {
  readonly expression: string;
  /** Task ids the expression reads through `tasks.<id>` or `tasks['<id>']` (literal keys only), in order, unique. */
  readonly taskRefs: readonly string[];
  /** Variable names the expression reads (identifiers other than `tasks`, builtins and macro variables), in order, unique. */
  readonly variableRefs: readonly string[];
  /**
   * True or false. Throws {@link ConditionError} (kind `evaluation`) naming the problem: a
   * variable that is not set, a task that is not in `context.tasks`, an output that was not
   * written, a conversion that failed (`int('x')`), a result that is not a boolean.
   */
  evaluate(context: ConditionContext): boolean;
}

/**
 * Why a `when` could not be compiled or decided: `syntax` (it does not parse, or does not
 * type-check), `reference` (it reads `tasks` other than by a literal id), `evaluation` (the
 * values at hand do not give a boolean).
 */
export class ConditionError extends Error {
  constructor(
    readonly kind: 'syntax' | 'evaluation' | 'reference',
    readonly expression: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConditionError';
  }
}

/** One ancestor's result as the expression sees it (a registered CEL type). */
class TaskResult {
  constructor(
    readonly status: string,
    readonly outputs: ReadonlyMap<string, string>,
  ) {
    Object.freeze(this);
  }
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Parse-time limits of the library (its defaults): deeper nesting is a syntax error, not a stack overflow. */
const BASE = new Environment({ limits: { maxDepth: 250, maxAstNodes: 10_000 } })
  .registerType('gofer.TaskResult', { ctor: TaskResult, fields: { status: 'string', outputs: 'map<string, string>' } })
  .registerVariable('tasks', 'map<string, gofer.TaskResult>');

/** Parses only (for the walk); variables are declared on a clone per expression. */
const SCANNER = BASE.clone();

const CACHE_LIMIT = 512;
const cache = new Map<string, CompiledCondition>();

/**
 * Parses and type-checks once. Throws {@link ConditionError}: kind `syntax` for an expression
 * that does not parse (the message gives the position), is too deeply nested, uses `matches()`,
 * does not type-check (`BUILD_NUMBER == 5`) or is not a boolean (`GIT_BRANCH`); kind
 * `reference` for `tasks` read other than as `tasks.<id>` or `tasks['<id>']`. Compiled
 * conditions are cached by expression text (at most 512, oldest dropped first).
 */
export function compileCondition(expression: string): CompiledCondition {
  const cached = cache.get(expression);
  if (cached) return cached;
  const compiled = compile(expression);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(expression, compiled);
  return compiled;
}

function compile(expression: string): CompiledCondition {
  const fail = (kind: ConditionError['kind'], message: string, cause?: unknown) =>
    new ConditionError(kind, expression, message, cause === undefined ? {} : { cause });
  let scanned;
  try {
    scanned = SCANNER.parse(expression);
  } catch (err) {
    throw fail('syntax', celProblem(err), err);
  }
  const taskRefs: string[] = [];
  const variableRefs: string[] = [];
  try {
    walk(scanned.ast, new Set(), { taskRefs, variableRefs, fail });
  } catch (err) {
    if (err instanceof ConditionError) throw err;
    throw fail('syntax', celProblem(err), err);
  }
  const env = BASE.clone();
  for (const name of variableRefs) env.registerVariable(name, 'string');
  let run: ReturnType<Environment['parse']>;
  try {
    run = env.parse(expression);
    const checked = run.check();
    if (!checked.valid) throw checked.error ?? new Error('the expression does not type-check');
    if (checked.type !== 'bool' && checked.type !== 'dyn')
      throw fail('syntax', `the expression is a ${checked.type}, not a bool: compare it (GIT_BRANCH == 'main') or combine comparisons with && and ||`);
  } catch (err) {
    if (err instanceof ConditionError) throw err;
    throw fail('syntax', celProblem(err), err);
  }
  const evaluate = (context: ConditionContext): boolean => {
    const tasks = new Map<string, TaskResult>();
    for (const id of taskRefs) {
      const result = Object.hasOwn(context.tasks, id) ? context.tasks[id] : undefined;
      if (!result) throw fail('evaluation', `tasks.${id} has no result here: ${id} is not an ancestor of this task (list it in dependsOn) or has not ended`);
      tasks.set(id, new TaskResult(result.status, new Map(Object.entries(result.outputs))));
    }
    const activation: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const name of variableRefs) if (Object.hasOwn(context.variables, name)) activation[name] = context.variables[name];
    activation.tasks = tasks;
    let value: unknown;
    try {
      value = run(activation);
    } catch (err) {
      throw fail('evaluation', evaluationProblem(err), err);
    }
    if (typeof value !== 'boolean') throw fail('evaluation', `the result is ${describe(value)}, not true or false`);
    return value;
  };
  return Object.freeze({ expression, taskRefs: Object.freeze(taskRefs), variableRefs: Object.freeze(variableRefs), evaluate });
}

interface Walk {
  taskRefs: string[];
  variableRefs: string[];
  fail: (kind: ConditionError['kind'], message: string) => ConditionError;
}

/** Collects task and variable references, refusing `tasks` read other than by a literal id, `matches()`, and `tasks` as a macro variable. */
function walk(node: ASTNode, bound: ReadonlySet<string>, w: Walk): void {
  const add = (list: string[], item: string) => {
    if (!list.includes(item)) list.push(item);
  };
  const isTasks = (n: ASTNode) => n.op === 'id' && n.args === 'tasks' && !bound.has('tasks');
  const bindVar = (n: ASTNode | undefined): string | undefined => {
    if (n?.op !== 'id') return undefined;
    if (n.args === 'tasks') throw w.fail('reference', "`tasks` is reserved for the ancestors' results: name the macro variable otherwise");
    return n.args;
  };
  switch (node.op) {
    case 'value':
      return;
    case 'id': {
      const name = node.args;
      if (bound.has(name)) return;
      if (name === 'tasks') throw w.fail('reference', "task references must be literal: write tasks.<id> or tasks['<id>'] (tasks itself cannot be read whole)");
      if (SCANNER.hasVariable(name)) return; // a builtin: `int`, `string`, `cel`, ...
      add(w.variableRefs, name);
      return;
    }
    case '.': {
      const [target, field] = node.args;
      if (isTasks(target)) add(w.taskRefs, field);
      else walk(target, bound, w);
      return;
    }
    case '[]': {
      const [target, key] = node.args;
      if (isTasks(target)) {
        if (key.op !== 'value' || typeof key.args !== 'string')
          throw w.fail('reference', `task references must be literal: tasks[${serialize(key)}] is computed; write tasks['<id>']`);
        add(w.taskRefs, key.args);
        return;
      }
      walk(target, bound, w);
      walk(key, bound, w);
      return;
    }
    case 'call': {
      const [name, args] = node.args;
      if (name === 'matches') throw w.fail('syntax', matchesRefused);
      for (const a of args) walk(a, bound, w);
      return;
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      if (name === 'matches') throw w.fail('syntax', matchesRefused);
      if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && !bound.has('cel') && args.length === 3) {
        const v = bindVar(args[0]);
        if (v !== undefined) {
          walk(args[1]!, bound, w);
          walk(args[2]!, new Set([...bound, v]), w);
          return;
        }
      }
      walk(receiver, bound, w);
      const v = MACROS.has(name) ? bindVar(args[0]) : undefined;
      if (v !== undefined) {
        const inner = new Set([...bound, v]);
        for (const a of args.slice(1)) walk(a, inner, w);
        return;
      }
      for (const a of args) walk(a, bound, w);
      return;
    }
    case 'list':
      for (const a of node.args) walk(a, bound, w);
      return;
    case 'map':
      for (const [k, v] of node.args) {
        walk(k, bound, w);
        walk(v, bound, w);
      }
      return;
    case '!_':
    case '-_':
      walk(node.args, bound, w);
      return;
    case '.?':
      walk(node.args[0], bound, w);
      return;
    case '[?]':
    case '?:':
    case '||':
    case '&&':
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'in':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      for (const a of node.args) walk(a, bound, w);
  }
}

const matchesRefused =
  "matches() is not available in a when: JavaScript regular expressions can take exponential time on some values; use startsWith(), endsWith(), contains() or `in ['a', 'b']`";

/** A parse or type-check failure in words, with its position. */
function celProblem(err: unknown): string {
  if (err instanceof RangeError) return 'the expression is nested too deeply';
  if (err instanceof ParseError || err instanceof CelTypeError) {
    const at = err.range ? ` (at character ${err.range.start + 1})` : '';
    const type = err instanceof CelTypeError ? 'type error: ' : '';
    const hint = /no such overload: string (==|!=|<|<=|>|>=) (int|uint|double)/.test(err.summary)
      ? "; variables and outputs are strings: write int(NAME) == 5 or NAME == '5'"
      : /^No such key/.test(err.summary) && err instanceof CelTypeError
        ? '; a task result has only status and outputs (tasks.<id>.outputs.<KEY>)'
        : '';
    return `${type}${err.summary}${at}${hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** An evaluation failure in words, naming the variable, output or call. */
function evaluationProblem(err: unknown): string {
  if (err instanceof RangeError) return 'the expression is nested too deeply';
  if (!(err instanceof EvaluationError)) return err instanceof Error ? err.message : String(err);
  const node = err.node;
  if (err.code === 'unknown_variable' && node?.op === 'id')
    return `${node.args} is not set: the task has no variable of that name (from its config, the run or Gofer); check the spelling or give the run a value`;
  const where = node ? safeSerialize(node) : undefined;
  if (err.code === 'no_such_key' && where?.startsWith('tasks') && node && (node.op === '.' || node.op === '[]')) {
    const owner = safeSerialize(node.args[0]);
    return `${where} does not exist: the task wrote no such output; ask first with has(${where}) or 'KEY' in ${owner}`;
  }
  return where ? `${err.summary} (in ${where})` : err.summary;
}

function safeSerialize(node: ASTNode): string {
  try {
    return clip(serialize(node));
  } catch {
    return '?';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(clip(value))}`;
  return `a ${typeof value}`;
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
