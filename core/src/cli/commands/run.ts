/** `gofer run start|list|get|cancel|watch`. */
import type { Command } from 'commander';
import type { Run } from '../../api/index.js';
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
      r.statusReason?.description ?? '',
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
    .command('watch <pipeline> <run>')
    .description('Show a run live until it completes; exit non-zero unless it succeeds')
    .action(async (pipelineId: string, runId: string, _opts: unknown, cmd: Command) => waitFor(cmd, pipelineId, positiveInt(runId)));

  run
    .command('list <pipeline>')
    .description('List runs, newest first')
    .option('-l, --limit <n>', 'at most this many', positiveInt)
    .action(async (pipelineId: string, opts: { limit?: number }, cmd: Command) => {
      const q = opts.limit ? `?limit=${opts.limit}` : '';
      const { items } = await clientOf(cmd).json<{ items: Run[] }>('GET', `/api/pipelines/${seg(pipelineId)}/runs${q}`);
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
}
