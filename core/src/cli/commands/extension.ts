/**
 * `gofer extension list|logs|pause|resume|pauses`, `gofer subscription create|list|delete|enable|disable`,
 * `gofer plugin list`, `gofer orphans reap`.
 */
import type { Command } from 'commander';
import type { ExtensionInfo, PluginInfo, ReapResult, SubscriptionInfo } from '../../api/index.js';
import { clientOf, collectKeyValue, globalsOf, seg } from '../context.js';
import { paint, print, printJson, statusStyle, table } from '../output.js';
import { registerTriggerCommands } from './trigger-control.js';

export function registerExtensionCommands(program: Command): void {
  const extension = program.command('extension').description('Trigger extensions');
  extension
    .command('list')
    .description('List extensions with their status and subscriptions')
    .action(async (_o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: ExtensionInfo[] }>('GET', '/api/extensions');
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['EXTENSION', 'PACKAGE', 'STATUS', 'PROCESS', 'SUBSCRIPTIONS', 'ERROR'],
          items.map((e) => [
            e.name,
            e.packageName,
            paint(statusStyle(e.status), e.status),
            e.process ? `${e.process.state}${e.process.restarts ? ` (${e.process.restarts} restarts)` : ''}` : 'in-process',
            e.listener
              ? 'listener'
              : `${e.subscriptions.active} active, ${e.subscriptions.error} error${e.subscriptions.disabled ? `, ${e.subscriptions.disabled} disabled` : ''}`,
            e.error ? `${e.error.code}: ${e.error.message}` : '',
          ]),
        ),
      );
    });

  const subscription = program.command('subscription').description("A pipeline's subscriptions to trigger extensions");
  subscription
    .command('create <pipeline> <extension> <label>')
    .description('Subscribe a pipeline to an extension, e.g. gofer subscription create nightly cron every-hour -s expression="0 * * * *"')
    .option('-s, --setting <KEY=VALUE>', 'subscription setting (repeatable); secrets as pipeline_secret{{KEY}}', collectKeyValue, {})
    .action(async (pipeline: string, ext: string, label: string, opts: { setting: Record<string, string> }, cmd: Command) => {
      const sub = await clientOf(cmd).json<SubscriptionInfo>('POST', `/api/pipelines/${seg(pipeline)}/subscriptions`, {
        extension: ext,
        label,
        settings: opts.setting,
      });
      if (globalsOf(cmd).json) return printJson(sub);
      print(`Subscription ${sub.subscriptionId}: ${paint(statusStyle(sub.status), sub.status)}${sub.statusReason ? ` (${sub.statusReason})` : ''}`);
    });
  subscription
    .command('list <pipeline>')
    .description("List a pipeline's subscriptions")
    .action(async (pipeline: string, _o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: SubscriptionInfo[] }>('GET', `/api/pipelines/${seg(pipeline)}/subscriptions`);
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['ID', 'EXTENSION', 'LABEL', 'STATUS', 'ENABLED', 'SETTINGS'],
          items.map((s) => [
            s.subscriptionId,
            s.extension,
            s.label,
            paint(statusStyle(s.status), s.status) + (s.statusReason ? ` (${s.statusReason})` : ''),
            s.enabled ? 'yes' : 'no',
            Object.entries(s.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ]),
        ),
      );
    });
  subscription
    .command('delete <pipeline> <subscription>')
    .description('Unsubscribe and remove a subscription')
    .action(async (pipeline: string, id: string, _o: unknown, cmd: Command) => {
      await clientOf(cmd).json('DELETE', `/api/pipelines/${seg(pipeline)}/subscriptions/${seg(id)}`);
      if (globalsOf(cmd).json) return printJson({ deleted: id });
      print(`Deleted subscription ${id}`);
    });

  registerTriggerCommands(extension, subscription);

  program
    .command('plugin')
    .description('Plugins')
    .command('list')
    .description('List every plugin found, with load failures and their reasons')
    .action(async (_o: unknown, cmd: Command) => {
      const { items } = await clientOf(cmd).json<{ items: PluginInfo[] }>('GET', '/api/plugins');
      if (globalsOf(cmd).json) return printJson(items);
      print(
        table(
          ['KIND', 'NAME', 'PACKAGE', 'VERSION', 'SOURCE', 'STATUS', 'ERROR'],
          items.map((p) => [
            p.kind,
            p.name,
            p.packageName,
            p.version ?? '-',
            p.source,
            paint(statusStyle(p.status === 'failed' ? 'failed' : p.status), p.status),
            p.error ? `${p.error.code}: ${p.error.message.split('\n')[0]}` : '',
          ]),
        ),
      );
    });

  program
    .command('orphans')
    .description('Containers no unfinished task owns')
    .command('reap')
    .description('Remove the containers this Gofer instance started whose task has finished')
    .action(async (_o: unknown, cmd: Command) => {
      const result = await clientOf(cmd).json<ReapResult>('POST', '/api/orphans/reap');
      if (globalsOf(cmd).json) return printJson(result);
      if (!result.supported) return print('The active scheduler cannot list its containers: nothing to reap.');
      print(`Removed ${result.removed.length} orphan container${result.removed.length === 1 ? '' : 's'}; kept ${result.kept} of unfinished tasks.`);
      for (const c of result.removed)
        print(`  ${c.schedulerId}  ${c.labels['gofer.pipeline'] ?? ''} run ${c.labels['gofer.run'] ?? ''} task ${c.labels['gofer.task'] ?? ''}`);
    });
}
