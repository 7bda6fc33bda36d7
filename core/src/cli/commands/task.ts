/** `gofer task list|get|attempts|logs|cancel`. */
import type { Command } from 'commander';
import type { TaskAttempt, TaskExecution, TaskOutput, TaskVariable } from '../../api/index.js';
import { clientOf, globalsOf, positiveInt, seg } from '../context.js';
import { duration, paint, print, printJson, statusStyle, table } from '../output.js';

const base = (p: string, r: string) => `/api/pipelines/${seg(p)}/runs/${positiveInt(r)}/tasks`;

/** `task list` (and the first lines of `task get`): one row per task execution. */
export function taskRows(tasks: TaskExecution[]): string {
  return table(
    ['TASK', 'STATE', 'STATUS', 'ATTEMPT', 'EXIT', 'DURATION', 'REASON'],
    tasks.map((t) => [
      t.taskId,
      t.state,
      paint(statusStyle(t.status), t.status),
      String(t.attempt ?? 1),
      t.exitCode === undefined ? '-' : String(t.exitCode),
      duration(t.started, t.ended),
      [
        t.statusReason ? `${t.statusReason.reason}: ${t.statusReason.description}` : t.retryAt ? `next attempt at ${new Date(t.retryAt).toISOString()}` : '',
        t.carriedFrom ? `(carried over from run #${t.carriedFrom.runId})` : '',
        allowedToFail(t) ? '(allowed to fail)' : '',
      ]
        .filter(Boolean)
        .join(' '),
    ]),
  );
}

/** A task with `allowFailure` that ended without succeeding: the run succeeds all the same. */
export const allowedToFail = (t: TaskExecution): boolean =>
  t.allowFailure === true && t.state === 'complete' && t.status !== 'successful' && t.status !== 'skipped';

/** `NODE=18 OS=alpine`: a matrix combination's values, in their order. */
export const matrixValues = (values: Readonly<Record<string, string>>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/**
 * The lines `task get` prints under the task's row: image and scheduler id, the matrix
 * combination it is, whether it may fail, and its outputs (secret ones as the service sends
 * them, `********`, marked `secret`).
 */
export function taskFacts(te: TaskExecution): string {
  const lines = [`image: ${te.image}${te.schedulerId ? `  scheduler id: ${te.schedulerId}` : ''}`];
  if (te.matrix) lines.push(`matrix: ${matrixValues(te.matrix.values)} (a combination of ${te.matrix.taskId})`);
  if (te.allowFailure)
    lines.push(`allowFailure: yes (may fail${allowedToFail(te) ? `: it ${te.status}, and the run does not fail for it` : ' without failing the run'})`);
  if (te.outputs?.length) lines.push('', outputRows(te.outputs));
  return lines.join('\n');
}

/** Shown for a secret output's value (the service sends it masked already; never print more). */
export const SECRET_MASK = '********';

/** A task's outputs: key and value; a secret one masked and marked `(secret)`. */
export function outputRows(outputs: readonly TaskOutput[]): string {
  return table(
    ['OUTPUT', 'VALUE'],
    outputs.map((o) => [o.key, o.secret ? `${SECRET_MASK} ${paint('yellow', '(secret)')}` : o.value]),
  );
}

/** One line per attempt of a task (retries). */
export function attemptRows(attempts: TaskAttempt[]): string {
  return table(
    ['ATTEMPT', 'STATE', 'STATUS', 'EXIT', 'DURATION', 'SCHEDULER ID', 'REASON'],
    attempts.map((t) => [
      String(t.attempt),
      t.state,
      paint(statusStyle(t.status), t.status),
      t.exitCode === undefined ? '-' : String(t.exitCode),
      duration(t.started, t.ended),
      t.schedulerId ?? '-',
      t.statusReason ? `${t.statusReason.reason}: ${t.statusReason.description}` : '',
    ]),
  );
}

/** The SOURCE cell of a variable: its source, and where a value Gofer does not show came from. */
export function variableSource(v: TaskVariable): string {
  if (v.location !== undefined) return `${v.source} (${v.location})`;
  if (v.valueFrom?.length) return `${v.source} (${v.valueFrom.map((f) => `${f.store}{{${f.key}}}`).join(', ')})`;
  return v.source;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description("Inspect a run's task executions");

  task
    .command('list <pipeline> <run>')
    .description("List a run's task executions")
    .action(async (p: string, r: string, _o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: TaskExecution[] }>('GET', base(p, r));
      if (globalsOf(cmd).json) return printJson(items);
      print(taskRows(items));
    });

  task
    .command('get <pipeline> <run> <task>')
    .description('Show a task execution with every environment variable it receives and its source')
    .action(async (p: string, r: string, t: string, _o: unknown, cmd: Command) => {
      const te = await clientOf(cmd).json<TaskExecution>('GET', `${base(p, r)}/${seg(t)}`);
      if (globalsOf(cmd).json) return printJson(te);
      print(taskRows([te]));
      print(`\n${taskFacts(te)}`);
      if ((te.attempt ?? 1) > 1) {
        const { items } = await clientOf(cmd).json<{ items: TaskAttempt[] }>('GET', `${base(p, r)}/${seg(t)}/attempts`);
        print(`\n${attemptRows(items)}`);
      }
      print(
        `\n${table(
          ['VARIABLE', 'VALUE', 'SOURCE'],
          te.variables.map((v) => [v.key, v.value, variableSource(v)]),
        )}`,
      );
    });

  task
    .command('attempts <pipeline> <run> <task>')
    .description("List a task's attempts (retries): exit code, times, reason of each")
    .action(async (p: string, r: string, t: string, _o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: TaskAttempt[] }>('GET', `${base(p, r)}/${seg(t)}/attempts`);
      if (globalsOf(cmd).json) return printJson(items);
      print(attemptRows(items));
    });

  task
    .command('cancel <pipeline> <run> <task>')
    .description('Cancel one task: stop its container (graceful, then forced after the stop timeout); its dependents follow their dependsOn rules')
    .action(async (p: string, r: string, t: string, _o: unknown, cmd: Command) => {
      const te = await clientOf(cmd).json<TaskExecution>('POST', `${base(p, r)}/${seg(t)}/cancel`);
      if (globalsOf(cmd).json) return printJson(te);
      print(`Cancel requested for task ${te.taskId} of run #${te.runId} of ${te.pipelineId} (${te.state === 'complete' ? te.status : te.state})`);
    });

  task
    .command('logs <pipeline> <run> <task>')
    .description("Print a task's output (secrets masked): the current attempt's, or --attempt N's")
    .option('-f, --follow', 'keep printing until the task completes')
    .option('-a, --attempt <n>', 'the output of this attempt (default: the current one)', positiveInt)
    .action(async (p: string, r: string, t: string, opts: { follow?: boolean; attempt?: number }, cmd: Command) => {
      const client = clientOf(cmd);
      const path = `${base(p, r)}/${seg(t)}/logs`;
      const which = opts.attempt === undefined ? '' : `attempt=${opts.attempt}`;
      if (!opts.follow) {
        process.stdout.write(await client.bytes('GET', which ? `${path}?${which}` : path));
        return;
      }
      for await (const msg of client.sse(`${path}?follow=true${which ? `&${which}` : ''}`)) {
        if (msg.event === 'log') process.stdout.write((msg.data as { text: string }).text);
        else if (msg.event === 'error') throw new Error((msg.data as { message: string }).message);
      }
    });
}
