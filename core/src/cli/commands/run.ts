/** `gofer run start|rerun|list|get|cancel|watch|approve|reject`. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Run, TaskExecution } from '../../api/index.js';
import { clientOf, collectKeyValue, durationMs, globalsOf, positiveInt, seg } from '../context.js';
import { httpRunSource, watchRun } from '../live-run-view.js';
import { duration, paint, print, printJson, statusStyle, table, time } from '../output.js';
import { setExitCode } from '../exit-codes.js';

function runRows(runs: Run[]): string {
  return table(
    ['RUN', 'STATE', 'STATUS', 'STARTED', 'DURATION', 'INITIATOR', 'REASON'],
    runs.map((r) => [
      String(r.runId),
      r.state,
      paint(statusStyle(r.status), r.status),
      time(r.started),
      duration(r.started, r.ended),
      `${r.initiator.kind}:${r.initiator.name}`,
      r.waiting?.description ?? r.statusReason?.description ?? '',
    ]),
  );
}

/** Waits for a run with the live view (or quietly with --json) and sets the exit code from its status. */
async function waitFor(cmd: Command, pipelineId: string, runId: number): Promise<void> {
  const client = clientOf(cmd);
  const json = globalsOf(cmd).json === true;
  const run = await watchRun(httpRunSource(client, pipelineId, runId), json ? { write: () => {}, logs: false } : {});
  if (json) printJson(run);
  if (run.status !== 'successful') setExitCode('failure');
}

export function registerRunCommands(program: Command): void {
  const run = program.command('run').description('Start and inspect runs');

  run
    .command('start <pipeline>')
    .description('Start a run of the live version')
    .option('-v, --variable <KEY=VALUE>', 'runtime variable (repeatable)', collectKeyValue, {})
    .option('-w, --wait', 'show the run live and exit non-zero unless it succeeds')
    .option(
      '-t, --timeout <duration>',
      "cancel the run (reason timeout) when it runs longer, over the pipeline's timeoutMs: 500ms, 30s, 5m, 2h (0: none)",
      durationMs,
    )
    .action(async (pipelineId: string, opts: { variable: Record<string, string>; wait?: boolean; timeout?: number }, cmd: Command) => {
      const started = await clientOf(cmd).json<Run>('POST', `/api/pipelines/${seg(pipelineId)}/runs`, {
        variables: opts.variable,
        ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
      });
      if (opts.wait) return waitFor(cmd, pipelineId, started.runId);
      if (globalsOf(cmd).json) return printJson(started);
      print(`Started run #${started.runId} of ${pipelineId}. Follow it with: gofer run watch ${pipelineId} ${started.runId}`);
    });

  run
    .command('rerun <pipeline> <run>')
    .description('Rerun a complete run as a new run (same version and variables): all tasks, only those that did not succeed, or one task')
    .option('--failed', 'run again only the tasks that did not succeed (and what depends on them); carry the successful ones over')
    .option('--task <task>', 'run again only this task; carry the rest over')
    .option('--with-dependents', 'with --task: run everything that depends on the task again too')
    .option('-w, --wait', 'show the run live and exit non-zero unless it succeeds')
    .action(async (pipelineId: string, runId: string, opts: { failed?: boolean; task?: string; withDependents?: boolean; wait?: boolean }, cmd: Command) => {
      if (opts.failed && opts.task !== undefined) throw new InvalidArgumentError('Give either --failed or --task, not both.');
      if (opts.withDependents && opts.task === undefined) throw new InvalidArgumentError('--with-dependents goes with --task <task>.');
      const body =
        opts.task !== undefined
          ? { mode: 'task', taskId: opts.task, ...(opts.withDependents ? { withDependents: true } : {}) }
          : { mode: opts.failed ? 'failed' : 'all' };
      const r = await clientOf(cmd).json<Run>('POST', `/api/pipelines/${seg(pipelineId)}/runs/${positiveInt(runId)}/rerun`, body);
      if (opts.wait) return waitFor(cmd, pipelineId, r.runId);
      if (globalsOf(cmd).json) return printJson(r);
      print(`Started run #${r.runId} of ${pipelineId}, a rerun (${body.mode}) of run #${runId}. Follow it with: gofer run watch ${pipelineId} ${r.runId}`);
    });

  run
    .command('watch <pipeline> <run>')
    .description('Show a run live until it completes; exit non-zero unless it succeeds')
    .action(async (pipelineId: string, runId: string, _opts: unknown, cmd: Command) => waitFor(cmd, pipelineId, positiveInt(runId)));

  run
    .command('list <pipeline>')
    .description('List runs, newest first')
    .option('-l, --limit <n>', 'at most this many (default 50, at most 1000)', positiveInt)
    .option('-b, --before <run>', 'only runs older than this run id (the next page: the last run id shown)', positiveInt)
    .action(async (pipelineId: string, opts: { limit?: number; before?: number }, cmd: Command) => {
      const q = new URLSearchParams();
      if (opts.limit) q.set('limit', String(opts.limit));
      if (opts.before) q.set('before', String(opts.before));
      const query = q.size > 0 ? `?${q.toString()}` : '';
      const { items } = await clientOf(cmd).json<{ items: Run[] }>('GET', `/api/pipelines/${seg(pipelineId)}/runs${query}`);
      if (globalsOf(cmd).json) return printJson(items);
      print(runRows(items));
    });

  run
    .command('get <pipeline> <run>')
    .description('Show a run')
    .action(async (pipelineId: string, runId: string, _opts: unknown, cmd: Command) => {
      const r = await clientOf(cmd).json<Run>('GET', `/api/pipelines/${seg(pipelineId)}/runs/${positiveInt(runId)}`);
      if (globalsOf(cmd).json) return printJson(r);
      print(runRows([r]));
      const link = r.initiator.rerunOf;
      if (link) print(`\nRerun (${link.mode}${link.taskId ? ` ${link.taskId}${link.withDependents ? ' with dependents' : ''}` : ''}) of run #${link.runId}`);
      if (r.concurrencyGroup) print(`Concurrency group: ${r.concurrencyGroup}`);
      const vars = Object.entries(r.variables);
      if (vars.length > 0)
        print(
          `\n${table(
            ['VARIABLE', 'VALUE'],
            vars.map(([k, v]) => [k, v]),
          )}`,
        );
    });

  run
    .command('cancel <pipeline> <run>')
    .description('Cancel a run: stop its containers, cancel waiting tasks')
    .action(async (pipelineId: string, runId: string, _opts: unknown, cmd: Command) => {
      const r = await clientOf(cmd).json<Run>('POST', `/api/pipelines/${seg(pipelineId)}/runs/${positiveInt(runId)}/cancel`);
      if (globalsOf(cmd).json) return printJson(r);
      print(`Cancel requested for run #${r.runId} of ${pipelineId} (${r.state})`);
    });

  for (const decision of ['approve', 'reject'] as const) {
    run
      .command(`${decision} <pipeline> <run> <task>`)
      .description(
        decision === 'approve'
          ? 'Approve an approval task the run waits on: it succeeds and its dependents follow their dependsOn rules'
          : 'Reject an approval task the run waits on: it fails (reason approval_rejected)',
      )
      .option('-m, --message <comment>', 'a comment recorded with the decision')
      .action(async (pipelineId: string, runId: string, taskId: string, opts: { message?: string }, cmd: Command) => {
        const path = `/api/pipelines/${seg(pipelineId)}/runs/${positiveInt(runId)}/tasks/${seg(taskId)}/${decision}`;
        const task = await clientOf(cmd).json<TaskExecution>('POST', path, opts.message !== undefined ? { comment: opts.message } : {});
        if (globalsOf(cmd).json) return printJson(task);
        const by = task.approval?.decision?.by?.name;
        print(
          `${decision === 'approve' ? 'Approved' : 'Rejected'} ${taskId} of run #${task.runId} of ${pipelineId}${by ? ` as ${by}` : ''}: the task is ${task.status}.`,
        );
      });
  }
}
