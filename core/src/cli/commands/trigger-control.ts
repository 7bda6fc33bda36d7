/**
 * Runtime control of triggers from the command line: `gofer subscription enable|disable`,
 * `gofer extension pause|resume|pauses` and `gofer extension logs`.
 */
import type { Command } from 'commander';
import type { ExtensionLogLine, SubscriptionInfo, TriggerPauses } from '../../api/index.js';
import { clientOf, globalsOf, positiveInt, seg } from '../context.js';
import { paint, print, printJson, table, time, type Style } from '../output.js';

const LEVEL_STYLE: Record<ExtensionLogLine['level'], Style> = { debug: 'grey', info: 'blue', warn: 'yellow', error: 'red' };

const FOLLOW_POLL_MS = 1_000;

function printPauses(pauses: TriggerPauses): void {
  if (!pauses.instance && pauses.pipelines.length === 0) return print('No triggers are paused.');
  if (pauses.instance)
    print(`Every trigger of this instance is paused since ${time(pauses.instance.since)}${pauses.instance.reason ? `: ${pauses.instance.reason}` : ''}`);
  if (pauses.pipelines.length > 0)
    print(
      table(
        ['PIPELINE', 'PAUSED SINCE', 'REASON'],
        pauses.pipelines.map((p) => [p.pipelineId, time(p.since), p.reason ?? '']),
      ),
    );
}

function formatLine(line: ExtensionLogLine): string {
  const fields = Object.entries(line.fields)
    .filter(([k]) => k !== 'plugin')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const level = line.level.toUpperCase().padEnd(5);
  return `${new Date(line.at).toISOString()} ${paint(LEVEL_STYLE[line.level], level)} ${line.message}${fields ? ` ${fields}` : ''}`;
}

export function registerTriggerCommands(extension: Command, subscription: Command): void {
  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable';
    subscription
      .command(`${verb} <pipeline> <subscription>`)
      .description(enabled ? 'Let a disabled subscription start runs again' : 'Stop a subscription from starting runs (its fires are recorded as skipped)')
      .action(async (pipeline: string, id: string, _o: unknown, cmd: Command) => {
        const sub = await clientOf(cmd).json<SubscriptionInfo>('POST', `/api/pipelines/${seg(pipeline)}/subscriptions/${seg(id)}/${verb}`);
        if (globalsOf(cmd).json) return printJson(sub);
        print(`Subscription ${sub.subscriptionId} ${sub.enabled ? 'enabled' : 'disabled'}`);
      });
  }

  extension
    .command('pause')
    .description("Pause every trigger of the instance, or one pipeline's with --pipeline: fires are recorded as skipped")
    .option('-p, --pipeline <id>', 'pause only the triggers of this pipeline')
    .option('-r, --reason <text>', 'why (shown by `gofer extension pauses`)')
    .action(async (opts: { pipeline?: string; reason?: string }, cmd: Command) => {
      const path = opts.pipeline ? `/api/pipelines/${seg(opts.pipeline)}/triggers/pause` : '/api/triggers/pause';
      const pauses = await clientOf(cmd).json<TriggerPauses>('POST', path, opts.reason ? { reason: opts.reason } : {});
      if (globalsOf(cmd).json) return printJson(pauses);
      printPauses(pauses);
    });
  extension
    .command('resume')
    .description("Resume the instance's triggers, or one pipeline's with --pipeline")
    .option('-p, --pipeline <id>', 'resume only the triggers of this pipeline')
    .action(async (opts: { pipeline?: string }, cmd: Command) => {
      const path = opts.pipeline ? `/api/pipelines/${seg(opts.pipeline)}/triggers/resume` : '/api/triggers/resume';
      const pauses = await clientOf(cmd).json<TriggerPauses>('POST', path);
      if (globalsOf(cmd).json) return printJson(pauses);
      printPauses(pauses);
    });
  extension
    .command('pauses')
    .description('Show which triggers are paused')
    .action(async (_o: unknown, cmd: Command) => {
      const pauses = await clientOf(cmd).json<TriggerPauses>('GET', '/api/triggers');
      if (globalsOf(cmd).json) return printJson(pauses);
      printPauses(pauses);
    });
  extension
    .command('logs <name>')
    .description("Show an extension's recent log lines (its own, or its process's)")
    .option('-n, --limit <n>', 'at most this many lines', positiveInt)
    .option('-l, --level <level>', 'only this level and above: debug, info, warn, error')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .action(async (name: string, opts: { limit?: number; level?: string; follow?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      const read = async (after: number) => {
        const q = new URLSearchParams();
        if (after > 0) q.set('after', String(after));
        if (opts.limit && after === 0) q.set('limit', String(opts.limit));
        if (opts.level) q.set('level', opts.level);
        const { items } = await client.json<{ items: ExtensionLogLine[] }>('GET', `/api/extensions/${seg(name)}/logs${q.size ? `?${q.toString()}` : ''}`);
        for (const line of items) print(globalsOf(cmd).json ? JSON.stringify(line) : formatLine(line));
        return items.at(-1)?.seq ?? after;
      };
      let after = await read(0);
      if (!opts.follow) return;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      while (!stop.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FOLLOW_POLL_MS);
          stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (!stop.signal.aborted) after = await read(after);
      }
    });
}
