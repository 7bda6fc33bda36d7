/** `gofer task list|get|logs`. */
import type { Command } from 'commander';
import type { TaskExecution, TaskVariable } from '../../api/index.js';
import { clientOf, globalsOf, positiveInt, seg } from '../context.js';
import { duration, paint, print, printJson, statusStyle, table } from '../output.js';

const base = (p: string, r: string) => `/api/pipelines/${seg(p)}/runs/${positiveInt(r)}/tasks`;

function taskRows(tasks: TaskExecution[]): string {
  return table(
    ['TASK', 'STATE', 'STATUS', 'EXIT', 'DURATION', 'REASON'],
    tasks.map((t) => [
      t.taskId,
      t.state,
      paint(statusStyle(t.status), t.status),
      t.exitCode === undefined ? '-' : String(t.exitCode),
      duration(t.started, t.ended),
      [t.statusReason ? `${t.statusReason.reason}: ${t.statusReason.description}` : '', t.carriedFrom ? `(carried over from run #${t.carriedFrom.runId})` : '']
        .filter(Boolean)
        .join(' '),
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
      print(`\nimage: ${te.image}${te.schedulerId ? `  scheduler id: ${te.schedulerId}` : ''}`);
      print(
        `\n${table(
          ['VARIABLE', 'VALUE', 'SOURCE'],
          te.variables.map((v) => [v.key, v.value, variableSource(v)]),
        )}`,
      );
    });

  task
    .command('logs <pipeline> <run> <task>')
    .description("Print a task's output (secrets masked)")
    .option('-f, --follow', 'keep printing until the task completes')
    .action(async (p: string, r: string, t: string, opts: { follow?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      const path = `${base(p, r)}/${seg(t)}/logs`;
      if (!opts.follow) {
        process.stdout.write(await client.bytes('GET', path));
        return;
      }
      for await (const msg of client.sse(`${path}?follow=true`)) {
        if (msg.event === 'log') process.stdout.write((msg.data as { text: string }).text);
        else if (msg.event === 'error') throw new Error((msg.data as { message: string }).message);
      }
    });
}
